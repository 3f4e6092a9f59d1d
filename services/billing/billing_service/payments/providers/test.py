"""A payment provider for `make dev` and the tests: its checkout is a page billing serves
itself, and paying there sends the webhook a real provider would, signed the same way.

Signatures follow Standard Webhooks (HMAC-SHA256 over id.timestamp.body, a 5-minute
timestamp window), through the spec's own library. Never enabled in production: whoever
reaches its checkout could pay with nothing."""

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode
from uuid import UUID, uuid4

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from billing_service.ledger.money import format_units, to_units
from billing_service.payments.providers.base import (
    Checkout,
    InvalidSignature,
    InvalidWebhook,
    PaymentNotice,
)
from shared.events import utcnow

NAME = "test"
WEBHOOK_PATH = f"/v1/billing/providers/{NAME}/webhook"
CHECKOUT_PATH = f"/v1/billing/providers/{NAME}/checkout"


class SandboxProvider:
    name = NAME

    def __init__(self, secret: str, public_url: str) -> None:
        self._webhook = Webhook(secret)
        self._public_url = public_url.rstrip("/")

    def checkout_url(self, checkout: Checkout) -> str:
        query = urlencode(
            {
                "payment_id": str(checkout.payment_id),
                "amount": format_units(checkout.total_units),
                "currency": checkout.currency,
            }
        )
        return f"{self._public_url}{CHECKOUT_PATH}?{query}"

    def webhook_url(self) -> str:
        return f"{self._public_url}{WEBHOOK_PATH}"

    def signed_notice(
        self,
        payment_id: UUID,
        outcome: str,
        total_units: int,
        currency: str,
        *,
        delivery_id: str | None = None,
        at: datetime | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers the provider sends: what its checkout does when paid."""
        delivery_id = delivery_id or f"msg_{uuid4().hex}"
        at = at or utcnow()
        body = json.dumps(
            {
                "type": f"payment.{outcome}",
                "data": {
                    "payment_id": str(payment_id),
                    "amount": format_units(total_units),
                    "currency": currency,
                },
            }
        )
        headers = {
            "webhook-id": delivery_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": self._webhook.sign(delivery_id, at, body),
            "content-type": "application/json",
        }
        return body.encode(), headers

    def verify(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        try:
            self._webhook.verify(body, dict(headers), json_parse=False)
        except (WebhookVerificationError, ValueError) as error:
            # ValueError: a malformed signature header (bad base64, no comma).
            raise InvalidSignature(str(error) or "bad signature") from None
        delivery_id = {key.lower(): value for key, value in headers.items()}["webhook-id"]
        try:
            payload = json.loads(body)
            kind = payload["type"]
            data = payload["data"]
            payment_id = UUID(data["payment_id"])
            total_units = to_units(Decimal(data["amount"]))
            currency = str(data["currency"])
        except (ValueError, KeyError, TypeError, InvalidOperation) as error:
            raise InvalidWebhook(f"unreadable payload: {error}") from None
        if kind not in ("payment.succeeded", "payment.failed"):
            raise InvalidWebhook(f"unknown type {kind!r}")
        return PaymentNotice(
            delivery_id=delivery_id[:128],
            payment_id=payment_id,
            outcome="succeeded" if kind == "payment.succeeded" else "failed",
            total_units=total_units,
            currency=currency,
        )

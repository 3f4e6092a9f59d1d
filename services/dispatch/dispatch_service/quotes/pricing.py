"""Prices from billing, which owns them: its internal route answers per destination."""

import logging
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

import httpx

from dispatch_service.config import DispatchSettings
from shared.internal import INTERNAL_TOKEN_HEADER

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PartPrice:
    per_part: Decimal
    currency: str


class PricesUnavailable(Exception):
    """Billing is not configured, did not answer in time, or answered nonsense."""


async def prices_for(
    settings: DispatchSettings, account_id: UUID, destinations: list[str]
) -> dict[str, PartPrice]:
    if settings.billing_url is None:
        raise PricesUnavailable("no billing URL is configured")
    body = {"account_id": str(account_id), "destinations": list(dict.fromkeys(destinations))}
    token = settings.internal_token
    headers = {INTERNAL_TOKEN_HEADER: token.get_secret_value()} if token is not None else {}
    # A client per quote: quotes are rare next to sends, and a quote must not wait on a
    # pool another slow request holds.
    try:
        async with httpx.AsyncClient(timeout=settings.billing_timeout_seconds) as client:
            response = await client.post(
                f"{settings.billing_url}/internal/v1/prices", json=body, headers=headers
            )
            response.raise_for_status()
            # A destination without a price (`no_tariff`) is left out: its message is quoted
            # without one, as a send to it would be refused.
            return {
                item["destination"]: PartPrice(Decimal(item["price_per_part"]), item["currency"])
                for item in response.json()["prices"]
                if item["price_per_part"] is not None
            }
    except (httpx.HTTPError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
        log.warning("billing's prices unavailable for a quote: %r", exc)
        raise PricesUnavailable("billing did not answer") from exc

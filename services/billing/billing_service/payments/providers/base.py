"""What billing needs from a card/online payment provider, whoever it is."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

from shared.errors import ProblemError


class InvalidSignature(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(400, "invalid_signature", "Invalid webhook signature", detail)


class InvalidWebhook(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_webhook", "Invalid webhook payload", detail)


@dataclass(frozen=True)
class Checkout:
    payment_id: UUID
    total_units: int
    currency: str
    description: str


@dataclass(frozen=True)
class PaymentNotice:
    """A verified webhook: the provider says this payment ended so."""

    delivery_id: str  # unique per delivery: the replay guard
    payment_id: UUID
    outcome: Literal["succeeded", "failed"]
    total_units: int
    currency: str


class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, checkout: Checkout) -> str:
        """Where the customer goes to pay."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """The webhook's notice if its signature is good and recent; InvalidSignature (or
        InvalidWebhook for a signed but malformed body) otherwise."""
        ...

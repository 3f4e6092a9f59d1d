from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from billing_service.ledger.money import format_units
from billing_service.payments.models import Payment, PaymentStatus

_AMOUNT = Field(
    max_length=32,
    description="Decimal string, more than zero, whole cents",
    examples=["150.00"],
)


class TopUpCreate(BaseModel):
    amount: str = _AMOUNT
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="Omitted: the account's currency"
    )
    provider: str = Field(default="test", description="The payment provider")


class TopUpResponse(BaseModel):
    id: UUID
    status: PaymentStatus
    amount: str = Field(description="What the balance gets")
    vat: str
    total: str = Field(description="What the customer pays: amount + VAT")
    currency: str
    checkout_url: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, payment: Payment, checkout_url: str | None = None) -> "TopUpResponse":
        return cls(
            id=payment.id,
            status=payment.status,
            amount=format_units(payment.amount_units),
            vat=format_units(payment.vat_units),
            total=format_units(payment.total_units),
            currency=payment.currency,
            checkout_url=checkout_url,
            created_at=payment.created_at,
        )


class WebhookAck(BaseModel):
    payment_id: UUID
    status: PaymentStatus

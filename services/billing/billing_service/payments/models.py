from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

PaymentStatus = Literal["pending", "succeeded", "failed"]


class Payment(Base):
    """A top-up through a payment provider: created pending with its checkout, settled by the
    provider's signed webhook. Amounts in ten-thousandths, whole cents."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
        CheckConstraint("amount_units > 0", name="amount_positive"),
        Index("ix_payments_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    provider: Mapped[str] = mapped_column(String(32))
    company_code: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    # What the balance gets; the customer pays amount + vat.
    amount_units: Mapped[int] = mapped_column(BigInteger)
    vat_units: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def total_units(self) -> int:
        return self.amount_units + self.vat_units


class WebhookDelivery(Base):
    """Every provider delivery id ever accepted: one seen again is a replay, refused. Written
    in the transaction that acts on it, so a delivery that failed can be retried."""

    __tablename__ = "payment_webhook_deliveries"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    payment_id: Mapped[UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

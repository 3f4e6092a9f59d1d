from datetime import date, datetime
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, CheckConstraint, Date, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

# awaiting_details -> requested -> paid | rejected. withdrawn: the account reopened (its
# owner logged in again) before the refund was paid, and keeps its balance.
RefundState = Literal["awaiting_details", "requested", "paid", "rejected", "withdrawn"]
OPEN_STATES: tuple[RefundState, ...] = ("awaiting_details", "requested")


class RefundRequest(Base):
    """What billing owes a closed account, and where to send it.

    The bank details are personal data, shown in full to operators only and blanked
    BILLING_REFUND_DETAILS_DAYS after the request is decided (billing_service.retention,
    docs/privacy.md); the amount, state and dates stay with the ledger's record."""

    __tablename__ = "refund_requests"
    __table_args__ = (
        CheckConstraint(
            "state IN ('awaiting_details', 'requested', 'paid', 'rejected', 'withdrawn')",
            name="state",
        ),
        CheckConstraint("amount_units >= 0", name="amount_not_negative"),
        Index("ix_refund_requests_account_id", "account_id"),
        # Operators' lists and the overdue report: by state, oldest due first.
        Index("ix_refund_requests_state_due_on", "state", "due_on"),
        # The retention job: decided requests whose bank details are past their period.
        Index("ix_refund_requests_decided_at", "decided_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    # The closing's event: a replayed one finds its request (unique) and opens no second.
    close_event_id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    state: Mapped[RefundState] = mapped_column(String(24))
    # What the balance held when the account closed, then (once the details are given and the
    # money moved to refunds payable) what will be paid.
    amount_units: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    holder: Mapped[str | None] = mapped_column(String(200))
    iban: Mapped[str | None] = mapped_column(String(34))  # compact, validated
    bic: Mapped[str | None] = mapped_column(String(11))
    details_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # 10 business days after the details (weekends skipped): paid by then or overdue.
    due_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(160))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))

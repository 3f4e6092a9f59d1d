from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

# top_up and invoice_payment: written only by payments.crediting.credit_account.
EntryKind = Literal["starter_credit", "charge", "top_up", "invoice_payment"]


class Balance(Base):
    """What an account can still spend, prepaid, in ten-thousandths of `currency`."""

    __tablename__ = "balances"
    # The conditional debit never overdraws; the database holds the line if code ever does.
    __table_args__ = (CheckConstraint("amount_units >= 0", name="amount_not_negative"),)

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    amount_units: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LedgerEntry(Base):
    """One movement of a balance, signed: credits positive, charges negative (R13)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('starter_credit', 'charge', 'top_up', 'invoice_payment')", name="kind"
        ),
        # Serves the account's statement, newest first.
        Index("ix_ledger_entries_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    message_id: Mapped[UUID | None] = mapped_column(Uuid)
    kind: Mapped[EntryKind] = mapped_column(String(32))
    amount_units: Mapped[int] = mapped_column(BigInteger)
    # "starter:<account_id>" or "charge:<message_id>". A unique (account_id, kind, message_id)
    # would not do: NULL message ids never collide, so starter credit could be granted twice.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

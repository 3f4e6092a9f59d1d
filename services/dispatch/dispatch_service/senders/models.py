from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime

_APPROVED = text("state = 'approved'")


class SenderNameRow(Base):
    """One request for a sender name and what became of it. Rows are never deleted: a
    rejected, withdrawn or revoked name stays listed with its reason."""

    __tablename__ = "sender_names"
    __table_args__ = (
        # One name, one company: among approved names a key occurs once, and two approvals
        # racing for it leave one of them refused by the database itself.
        Index(
            "uq_sender_names_approved_name_key",
            "name_key",
            unique=True,
            postgresql_where=_APPROVED,
            sqlite_where=_APPROVED,
        ),
        Index("ix_sender_names_account_id_created_at", "account_id", "created_at"),
        Index("ix_sender_names_state_created_at", "state", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    # As requested, as it goes out in source_addr.
    name: Mapped[str] = mapped_column(String(16))
    # The name as a reader takes it (names.name_key): "ACME" and "Acme" share one.
    name_key: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # alphanumeric | numeric
    company: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    documents: Mapped[str] = mapped_column(Text)  # a JSON list of references or URLs
    # pending → approved | rejected; pending → withdrawn; approved → revoked
    state: Mapped[str] = mapped_column(String(16))
    # The operator's reason for a rejection or revocation, shown to the customer.
    reason: Mapped[str | None] = mapped_column(Text)
    # The operator (token subject) who decided last, for the ops list.
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DefaultSenderRow(Base):
    """The approved name an account's sends without a `sender` go out with."""

    __tablename__ = "sender_defaults"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    sender_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("sender_names.id"))

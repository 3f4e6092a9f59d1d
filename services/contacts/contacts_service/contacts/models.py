from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class Contact(Base):
    """A recipient of one account (the controller); the platform only processes it (R16)."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("account_id", "phone", name="uq_contacts_account_id_phone"),
        # Serves the account's list, newest first; its leading column serves every tenant filter.
        Index("ix_contacts_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    phone: Mapped[str] = mapped_column(String(16))  # E.164: "+" and at most 15 digits
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # Where and when the recipient agreed to be messaged (R11), as the customer recorded it.
    consent_source: Mapped[str | None] = mapped_column(String(200))
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

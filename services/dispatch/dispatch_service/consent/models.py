from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class RecipientConsentRow(Base):
    """The latest `recipient.consent_changed` per account, number and purpose. No row:
    the number never opted out."""

    __tablename__ = "recipient_consents"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    # The event's occurred_at: an older event (a replay) never overwrites a newer one.
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

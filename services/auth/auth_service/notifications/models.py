from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint, Uuid, true
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class Notification(Base):
    """One mail to one user about one thing: what keeps a replayed event from mailing twice.
    `key` is the event's id, or the breach notice's or announcement's, or for a welcome the
    account's own (one welcome per account, whichever event announced it)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("key", "user_id"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    key: Mapped[UUID] = mapped_column(Uuid)
    # No foreign keys: a user or account may go while the record that it was told stays.
    user_id: Mapped[UUID] = mapped_column(Uuid)
    account_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The queued mail (auth_service/mail); it is pruned a while after it went out.
    mail_id: Mapped[UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MailPreference(Base):
    """A user's choice about optional mail; no row is the default (marketing on)."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    marketing: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BreachNotice(Base):
    """A personal-data breach operators notified the affected customers of (R19): the
    72-hour deadline runs from detection, and the notice's mails show whether it was met."""

    __tablename__ = "breach_notices"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    description: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    all_accounts: Mapped[bool] = mapped_column(Boolean)
    accounts: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

from datetime import datetime
from uuid import UUID

from sqlalchemy import String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

TOKEN_MAX = 32


class UnsubscribeToken(Base):
    """One random token per account and number, kept as long as the number's consent: a
    link sent a year ago must still work. Random, not signed: short enough for an SMS, and
    no key to keep secret or rotate."""

    __tablename__ = "unsubscribe_tokens"
    __table_args__ = (
        UniqueConstraint("account_id", "phone", name="uq_unsubscribe_tokens_account_id_phone"),
    )

    token: Mapped[str] = mapped_column(String(TOKEN_MAX), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

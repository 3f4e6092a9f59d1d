from datetime import datetime
from uuid import UUID

from sqlalchemy import Float, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime


class ActivityRecord(Base):
    """One request, as the gateway saw it. Its id is the event's, so a replay adds nothing.
    Requests without a verified account (login, register, refused tokens) are kept too,
    for the platform's operators, until the retention ends; no account's log shows them."""

    __tablename__ = "activity_log"
    __table_args__ = (
        Index("ix_activity_log_account_id_occurred_at_id", "account_id", "occurred_at", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID | None] = mapped_column(Uuid)
    # When the gateway received the request; indexed for the purge.
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # "user" or "api_key"; none without a verified token.
    actor_type: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)

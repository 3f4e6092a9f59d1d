from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class AuditRecord(Base):
    """One audited action of an account. Append-only: the code only inserts, reads and
    deletes past the retention. No foreign key to accounts, so that records outlive
    whatever later happens to the rows they name."""

    __tablename__ = "audit_records"
    __table_args__ = (
        # The account's log, newest first, page after page (the cursor is both columns).
        Index("ix_audit_records_account_id_occurred_at_id", "account_id", "occurred_at", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    # "user" (actor_id: the user's id), "api_key" (the key's id) or "system" (no id).
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    # Names only (changed fields, scopes, why a login failed), never values or secrets.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class ContactImport(Base):
    """One uploaded file of contacts and how far its processing got (pending, running, done)."""

    __tablename__ = "contact_imports"
    __table_args__ = (
        Index("ix_contact_imports_state", "state"),
        # The account's imports, newest first (contacts_service/pages.py).
        Index("ix_contact_imports_account_created", "account_id", "created_at", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    file_name: Mapped[str] = mapped_column(String(255))
    # {column header: contact field}
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    group_id: Mapped[UUID | None] = mapped_column(Uuid)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when the retention job removed the upload and its error report (R18).
    files_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

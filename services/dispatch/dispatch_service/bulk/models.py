from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class BulkPermissionRow(Base):
    """An operator's decision on an account's mass mailing. No row: not enabled."""

    __tablename__ = "bulk_permissions"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    # Why, for the next operator (e.g. "contract 2026/114 signed"); not shown to customers.
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

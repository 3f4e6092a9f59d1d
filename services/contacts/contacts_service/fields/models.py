from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

FieldType = Literal["text", "number", "date", "boolean"]
KEY_MAX = 40


class CustomField(Base):
    """One field of an account's own contact schema; contacts' values name it by key and
    go with it when it is deleted (ON DELETE CASCADE from contact_values)."""

    __tablename__ = "custom_fields"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

from datetime import datetime
from uuid import UUID

from sqlalchemy import SmallInteger, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class SendingWindow(Base):
    """When an account's marketing may reach recipients, in their local time. No row: any
    time. `start` after `end` spans midnight (e.g. 22:00–06:00)."""

    __tablename__ = "sending_windows"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    start_minute: Mapped[int] = mapped_column(SmallInteger)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

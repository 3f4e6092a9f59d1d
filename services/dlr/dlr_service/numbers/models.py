from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dlr_service.db import Base
from shared.db import UtcDateTime


class AssignedNumber(Base):
    """A number of ours that MO messages are sent to, and the account they belong to."""

    __tablename__ = "assigned_numbers"

    # addresses.canonical(): the primary key makes one number one account.
    number: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "long_number" | "short_code"
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)

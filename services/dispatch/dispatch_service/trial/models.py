from datetime import date
from uuid import UUID

from sqlalchemy import Date, Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base


class TrialUsage(Base):
    """Messages a trial account had accepted on one UTC day. A row per day rather than one
    per account reset at midnight: a request begun before midnight and committed after it
    then still counts on its own day, and no reset can race an increment."""

    __tablename__ = "trial_usage"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer)

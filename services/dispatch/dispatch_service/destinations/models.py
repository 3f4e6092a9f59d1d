from datetime import datetime
from uuid import UUID

from sqlalchemy import Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class DestinationExceptionRow(Base):
    """What an operator enabled for one account beyond the shipped defaults (toll fraud is
    the first attack on a gateway, so nothing is enabled without a row)."""

    __tablename__ = "destination_exceptions"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    # Space-separated, sorted: high-risk range categories and ISO 3166 alpha-2 countries.
    allowed_categories: Mapped[str] = mapped_column(Text)
    allowed_countries: Mapped[str] = mapped_column(Text)
    # Why, for the next operator (e.g. "satellite numbers for the shipping fleet contract").
    note: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

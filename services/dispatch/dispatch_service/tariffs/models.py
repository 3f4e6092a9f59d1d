from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class TariffCoverage(Base):
    """One of billing's tariff versions, by its prefixes only: prices stay billing's."""

    __tablename__ = "tariff_coverage"

    version_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    tariff_id: Mapped[UUID] = mapped_column(Uuid)
    account_id: Mapped[UUID | None] = mapped_column(Uuid)  # None: the public tariff
    effective_from: Mapped[datetime] = mapped_column(UtcDateTime)
    prefixes: Mapped[str] = mapped_column(Text)  # digits, space-separated
    # ISO 4217: an account is priced only by tariffs in its own currency. None: published
    # before currencies were said (then all were in one), so any currency's.
    currency: Mapped[str | None] = mapped_column(String(3))

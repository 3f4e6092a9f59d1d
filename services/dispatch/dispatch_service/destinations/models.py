from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Text, Uuid
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


class AccountCompanyCountries(Base):
    """The countries of the contracting company an account signs with, as billing last said
    (`billing.company_assigned`): with DISPATCH_ALLOW_LIST_BY_COMPANY, the account's default
    allow-list. And the account's currency, by which the tariff gate picks its tariffs."""

    __tablename__ = "account_company_countries"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    company: Mapped[str] = mapped_column(Text)
    # Space-separated, sorted ISO 3166 alpha-2.
    countries: Mapped[str] = mapped_column(Text)
    # ISO 4217, the account's balance currency; None: said before currencies were.
    currency: Mapped[str | None] = mapped_column(String(3))
    # The event's time: an older one (a redelivery after a change) never overwrites.
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

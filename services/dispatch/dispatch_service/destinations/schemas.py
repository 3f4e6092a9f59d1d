from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from dispatch_service.destinations.models import DestinationExceptionRow

# Checked item by item, so a 422 names the bad entry; whether the country exists and the
# category is shipped is the service's check (422 unknown_country / unknown_category).
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
Category = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class DestinationExceptionsChange(BaseModel):
    """The whole set enabled for the account: what is not listed is not enabled."""

    allowed_categories: list[Category] = Field(
        default_factory=list,
        max_length=64,
        description="High-risk range categories the account may send to (see "
        "`categories_available`)",
        examples=[["satellite"]],
    )
    allowed_countries: list[Country] = Field(
        default_factory=list,
        max_length=250,
        description="ISO 3166-1 alpha-2 countries the account may send to beyond the defaults",
        examples=[["FR", "DE"]],
    )
    note: str | None = Field(default=None, max_length=500, examples=["contract 2026/114"])


class DestinationExceptions(BaseModel):
    account_id: UUID
    allowed_categories: list[str]
    allowed_countries: list[str]
    # What this account may send to before any enabled: DISPATCH_DEFAULT_ALLOWED_COUNTRIES
    # and, with DISPATCH_ALLOW_LIST_BY_COMPANY, its contracting company's countries (empty
    # without either: every country); and the categories any operator may enable.
    default_countries: list[str] = Field(
        description="Countries the account may send to before any enabled for it: the "
        "platform's default list and its contracting company's countries (empty when "
        "neither applies: every country)"
    )
    categories_available: list[str]
    note: str | None
    changed_by: str | None
    changed_at: datetime | None

    @classmethod
    def of(
        cls,
        account_id: UUID,
        row: DestinationExceptionRow | None,
        default_countries: frozenset[str],
        categories_available: frozenset[str],
    ) -> "DestinationExceptions":
        return cls(
            account_id=account_id,
            allowed_categories=row.allowed_categories.split() if row else [],
            allowed_countries=row.allowed_countries.split() if row else [],
            default_countries=sorted(default_countries),
            categories_available=sorted(categories_available),
            note=row.note if row else None,
            changed_by=row.changed_by if row else None,
            changed_at=row.changed_at if row else None,
        )

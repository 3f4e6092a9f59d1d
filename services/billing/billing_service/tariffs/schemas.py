from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field


class TariffCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    account_id: UUID | None = Field(
        default=None, description="The account this plan is for; omitted: the public default"
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class PriceIn(BaseModel):
    prefix: str = Field(
        pattern=r"^\+?[0-9]{1,15}$",
        description="Country code or operator prefix",
        examples=["7916"],
    )
    price_per_part: Decimal = Field(examples=["0.0450"], description="At most 4 fraction digits")


class VersionCreate(BaseModel):
    effective_from: datetime | None = Field(
        default=None, description="When the prices take effect, not in the past; omitted: now"
    )
    prices: list[PriceIn] = Field(min_length=1)


class PriceOut(BaseModel):
    prefix: str
    price_per_part: str = Field(examples=["0.045"])


class VersionSummary(BaseModel):
    id: UUID
    effective_from: datetime
    created_at: datetime
    created_by: str
    prices: int = Field(description="How many prefixes it prices")


class TariffResponse(BaseModel):
    id: UUID
    name: str
    account_id: UUID | None
    currency: str
    created_at: datetime
    versions: list[VersionSummary] = Field(description="Oldest first")


class TariffList(BaseModel):
    items: list[TariffResponse]


class VersionResponse(BaseModel):
    id: UUID
    tariff_id: UUID
    effective_from: datetime
    prices: list[PriceOut] = Field(description="In prefix order")


class AccountTariff(BaseModel):
    """The prices a customer pays now, and the next version if one is scheduled."""

    currency: str
    version: VersionResponse | None = Field(
        description="null while no tariff is set up: every destination then costs "
        "`default_price_per_part`"
    )
    default_price_per_part: str | None
    next_version: VersionResponse | None

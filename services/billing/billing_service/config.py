from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import VerifyingServiceSettings


class BillingSettings(VerifyingServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/billing.db"
    # Amounts are stored in ten-thousandths, so a price with a fifth fraction digit could not
    # be charged exactly: refuse it at start rather than round money silently.
    starter_credit: Decimal = Field(default=Decimal("10.00"), ge=0, decimal_places=4)
    price_per_part: Decimal = Field(default=Decimal("0.05"), ge=0, decimal_places=4)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # How long a process prices from its in-memory copy of the tariffs before reading them
    # again: a new version reaches every charging process within this many seconds.
    tariff_refresh_seconds: float = Field(default=5.0, gt=0)
    # Refund parts that the operator's network reported undelivered, expired or rejected after
    # the SMSC took them. Off by default: operators charge us for those. Parts the SMSC
    # refused before taking them (message.part_failed) are refunded either way.
    refund_undelivered: bool = False
    # Kafka group id and inbox consumer name; only tests sharing one broker change it.
    consumer_group: str = "billing"

from decimal import Decimal
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from billing_service.companies.config import CompanyConfig
from shared.retention import DataKind, rule
from shared.settings import VerifyingServiceSettings

# A dev-only secret (Standard Webhooks: whsec_ + base64): production refuses the test provider.
DEV_TEST_PROVIDER_SECRET = "whsec_c21zZ3ctdGVzdC1wcm92aWRlci1kZXYtc2VjcmV0"


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
    # Contracting companies (R15): a YAML or JSON file with a list of companies, else
    # BILLING_COMPANIES (a JSON list), else one built-in company (companies/config.py).
    companies_file: Path | None = None
    companies: list[CompanyConfig] = Field(default_factory=list)
    # The company of accounts whose country no company serves; None: the first configured.
    default_company: str | None = None
    # Where customers and providers reach billing: the gateway. Checkout and webhook URLs.
    public_url: str = "http://127.0.0.1:8000"
    # The test payment provider (dev and tests): a checkout page billing serves itself.
    test_provider_enabled: bool = True
    test_provider_secret: str = DEV_TEST_PROVIDER_SECRET
    invoice_due_days: int = Field(default=14, ge=0, le=365)
    # How often the service looks for postpaid invoices past their due date (each suspends
    # its account's sending), and for the last closed month's acts not issued yet (a read of
    # that month's charges each time, hence less often).
    overdue_check_seconds: float = Field(default=3600.0, gt=0)
    acts_check_seconds: float = Field(default=21600.0, gt=0)
    # How often the service looks for postpaid debts not invoiced for the last closed month
    # (one invoice per account and month: later rounds of the month find it issued).
    debt_invoices_check_seconds: float = Field(default=21600.0, gt=0)
    # How often each replica reconciles the books (a full read; a replica skips a round
    # while another is at it), and how far back the charges are compared with the messages
    # dispatch accepted.
    reconcile_seconds: float = Field(default=86400.0, gt=0)
    reconcile_messages_days: int = Field(default=90, ge=1)
    # The retention job (billing_service.retention): the periods are the policy's
    # (shared/retention.py) unless set. Accepted messages must outlive the reconciliation's
    # look-back or it would report old charges as never accepted.
    accepted_messages_days: int = Field(default=rule(DataKind.ACCEPTED_MESSAGES).days, ge=1)
    refund_details_days: int = Field(default=rule(DataKind.REFUND_BANK_DETAILS).days, ge=1)
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    retention_batch_size: int = Field(default=500, ge=1)

    @model_validator(mode="after")
    def _messages_outlive_the_reconciliation(self) -> "BillingSettings":
        if self.accepted_messages_days <= self.reconcile_messages_days:
            raise ValueError(
                "BILLING_ACCEPTED_MESSAGES_DAYS must be more than BILLING_RECONCILE_MESSAGES_DAYS"
            )
        return self

    @model_validator(mode="after")
    def _no_test_provider_in_production(self) -> "BillingSettings":
        # Its checkout pays with nothing: anyone reaching it could credit any balance.
        if self.environment == "production" and self.test_provider_enabled:
            raise ValueError("BILLING_TEST_PROVIDER_ENABLED must be false in production")
        return self

"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from billing_service.db import Base, Inbox, Outbox
from billing_service.ledger.models import Balance, LedgerPosting, LedgerTransaction
from billing_service.tariffs.models import Tariff, TariffPrice, TariffVersion

__all__ = [
    "Balance",
    "Base",
    "Inbox",
    "LedgerPosting",
    "LedgerTransaction",
    "Outbox",
    "Tariff",
    "TariffPrice",
    "TariffVersion",
]

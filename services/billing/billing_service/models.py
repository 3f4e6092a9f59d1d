"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from billing_service.db import Base, Inbox, Outbox
from billing_service.ledger.models import Balance, LedgerEntry

__all__ = ["Balance", "Base", "Inbox", "LedgerEntry", "Outbox"]

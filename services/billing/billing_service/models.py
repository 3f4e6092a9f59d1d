"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from billing_service.companies.models import AccountCompany
from billing_service.db import Base, Inbox, Outbox
from billing_service.invoices.models import DocumentCounter, Invoice
from billing_service.ledger.models import Balance, LedgerPosting, LedgerTransaction
from billing_service.messages.models import AcceptedMessage
from billing_service.payments.models import Payment, WebhookDelivery
from billing_service.tariffs.models import Tariff, TariffPrice, TariffVersion
from billing_service.terminations.models import RefundRequest

__all__ = [
    "AcceptedMessage",
    "AccountCompany",
    "DocumentCounter",
    "Invoice",
    "Payment",
    "RefundRequest",
    "WebhookDelivery",
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

"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from dlr_service.db import Base, ErasedNumber, Inbox, Outbox
from dlr_service.inbound.models import InboundMessage, LastSend
from dlr_service.numbers.models import AssignedNumber
from dlr_service.privacy.models import MessageRecipient
from dlr_service.receipts.models import (
    PendingReceipt,
    PendingReceiptKey,
    ReceiptRecord,
    SubmittedPart,
)
from dlr_service.retention.models import AccountStateRow
from dlr_service.webhooks.models import (
    MessageSequence,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "AccountStateRow",
    "AssignedNumber",
    "Base",
    "ErasedNumber",
    "Inbox",
    "MessageRecipient",
    "MessageSequence",
    "InboundMessage",
    "LastSend",
    "Outbox",
    "PendingReceipt",
    "PendingReceiptKey",
    "ReceiptRecord",
    "SubmittedPart",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]

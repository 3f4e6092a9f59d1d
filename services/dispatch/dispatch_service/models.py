"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from dispatch_service.accounts.models import AccountStateRow
from dispatch_service.batches.models import Batch
from dispatch_service.bulk.models import BulkPermissionRow
from dispatch_service.campaigns.models import Campaign, CampaignChunk, CampaignRecipient
from dispatch_service.consent.models import RecipientConsentRow
from dispatch_service.content.models import (
    ContentHit,
    ContentReview,
    ContentRule,
    ContentSuspension,
)
from dispatch_service.db import Base, ErasedNumber, Inbox, Outbox
from dispatch_service.destinations.models import DestinationExceptionRow
from dispatch_service.help_replies.models import HelpText
from dispatch_service.history.models import MessagePartEvent
from dispatch_service.messages.models import ConcatReference, Message, MessagePart
from dispatch_service.replies.models import InboundAddress
from dispatch_service.senders.models import DefaultSenderRow, SenderNameRow
from dispatch_service.smsc.models import SmscHealthRow
from dispatch_service.tariffs.models import TariffCoverage
from dispatch_service.templates.models import Template
from dispatch_service.trial.models import TrialUsage
from dispatch_service.windows.models import SendingWindow

__all__ = [
    "AccountStateRow",
    "Base",
    "ErasedNumber",
    "Batch",
    "BulkPermissionRow",
    "Campaign",
    "CampaignChunk",
    "CampaignRecipient",
    "ConcatReference",
    "DefaultSenderRow",
    "DestinationExceptionRow",
    "ContentHit",
    "ContentReview",
    "ContentRule",
    "ContentSuspension",
    "HelpText",
    "Inbox",
    "InboundAddress",
    "Message",
    "MessagePart",
    "MessagePartEvent",
    "Outbox",
    "RecipientConsentRow",
    "SenderNameRow",
    "SendingWindow",
    "SmscHealthRow",
    "TariffCoverage",
    "Template",
    "TrialUsage",
]

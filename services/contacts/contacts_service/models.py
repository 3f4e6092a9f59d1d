"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from contacts_service.campaign_audience.models import AudienceJob
from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact, ContactTag, ContactValue
from contacts_service.db import Base, ErasedNumber, Inbox, Outbox
from contacts_service.fields.models import CustomField
from contacts_service.groups.models import ContactGroup, GroupMember
from contacts_service.imports.models import ContactImport
from contacts_service.privacy.models import PrivacyErasure, PrivacyErasurePart, PrivacyExport
from contacts_service.retention.models import AccountStateRow
from contacts_service.unsubscribe.models import UnsubscribeToken

__all__ = [
    "AccountStateRow",
    "AudienceJob",
    "Base",
    "ErasedNumber",
    "ConsentRecord",
    "Contact",
    "ContactGroup",
    "ContactImport",
    "ContactTag",
    "ContactValue",
    "CustomField",
    "GroupMember",
    "Inbox",
    "Outbox",
    "PrivacyErasure",
    "PrivacyErasurePart",
    "PrivacyExport",
    "UnsubscribeToken",
]

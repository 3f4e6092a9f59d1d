"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from contacts_service.campaign_audience.models import AudienceJob
from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact, ContactTag, ContactValue
from contacts_service.db import Base, Inbox, Outbox
from contacts_service.fields.models import CustomField
from contacts_service.groups.models import ContactGroup, GroupMember
from contacts_service.imports.models import ContactImport
from contacts_service.unsubscribe.models import UnsubscribeToken

__all__ = [
    "AudienceJob",
    "Base",
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
    "UnsubscribeToken",
]

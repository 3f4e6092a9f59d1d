"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from contacts_service.contacts.models import Contact
from contacts_service.db import Base, Outbox

__all__ = ["Base", "Contact", "Outbox"]

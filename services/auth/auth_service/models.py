"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from auth_service.accounts.models import Account, User
from auth_service.db import Base, Outbox

__all__ = ["Account", "Base", "Outbox", "User"]

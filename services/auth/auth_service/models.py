"""Every mapped table of the service, imported in one place for Alembic and the tests."""

from auth_service.accounts.models import Account, User
from auth_service.activity.models import ActivityRecord
from auth_service.api_keys.models import ApiKey
from auth_service.audit.models import AuditRecord
from auth_service.db import Base, Inbox, Outbox
from auth_service.mail.models import OutgoingMail
from auth_service.notifications.models import BreachNotice, MailPreference, Notification
from auth_service.sessions.models import LoginFailure, RefreshToken
from auth_service.team.models import Invitation
from auth_service.verification.models import EmailVerificationToken

__all__ = [
    "Account",
    "ActivityRecord",
    "ApiKey",
    "BreachNotice",
    "AuditRecord",
    "Base",
    "EmailVerificationToken",
    "Inbox",
    "Invitation",
    "LoginFailure",
    "MailPreference",
    "Notification",
    "OutgoingMail",
    "Outbox",
    "RefreshToken",
    "User",
]

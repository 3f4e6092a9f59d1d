"""Writing a record beside the action it records and reading an account's log page by page;
records past the retention are purged by auth_service/retention."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.audit.models import AuditRecord
from auth_service.audit.repository import AuditLog
from shared.cursor import decode_cursor, encode_cursor
from shared.events import utcnow
from shared.security import Principal

# Stable names: customers filter and alert on them. Refreshes are not recorded (one every
# 15 minutes per logged-in client would drown the rest); a replayed token is.
Action = Literal[
    "account.registered",
    "account.profile_changed",
    "account.2fa_enabled",
    "login.succeeded",
    "login.failed",
    "login.locked",
    "session.reuse_detected",
    "session.logged_out",
    # A person ended one of their logins, or all but the current (auth_service/login_sessions).
    "session.revoked",
    "api_key.created",
    "api_key.revoked",
    # The account's state (auth_service/states): by an operator, or by the owner.
    "account.suspended",
    "account.blocked",
    "account.reinstated",
    "account.unblocked",
    "account.closed",
    "account.reopened",
    # The team (auth_service/team) and a person's own security settings.
    "user.invited",
    "invitation.revoked",
    "user.joined",
    "user.role_changed",
    "user.removed",
    "password.changed",
    "account.2fa_disabled",
    # Sign-up (auth_service/verification): the mailed link followed; the trial lifted.
    "account.email_verified",
    "account.trial_ended",
]

USER_AGENT_MAX = 256
# The longest textual IPv6 address; a scope id (fe80::1%eth0) could make it longer.
IP_MAX = 45


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the client IP as the rate limits see it, and its
    User-Agent (cut to what is stored)."""

    ip: str | None
    user_agent: str | None

    @classmethod
    def of(cls, ip: str, user_agent: str | None) -> "Origin":
        return cls(ip[:IP_MAX] or None, user_agent[:USER_AGENT_MAX] if user_agent else None)


@dataclass(frozen=True)
class Actor:
    # "operator": the platform's staff (role ops), acting on a customer's account.
    type: Literal["user", "api_key", "system", "operator"]
    id: str | None = None

    @classmethod
    def user(cls, user_id: UUID | str) -> "Actor":
        return cls("user", str(user_id))

    @classmethod
    def operator(cls, user_id: UUID | str) -> "Actor":
        return cls("operator", str(user_id))

    @classmethod
    def of(cls, principal: Principal) -> "Actor":
        # An API key's tokens name it "api_key:<id>" (api_keys.service.token_for_key).
        key_id = principal.subject.removeprefix("api_key:")
        if key_id != principal.subject:
            return cls("api_key", key_id)
        return cls.user(principal.subject)


SYSTEM = Actor("system")


async def record(
    session: AsyncSession,
    origin: Origin,
    *,
    account_id: UUID,
    actor: Actor,
    action: Action,
    object_type: str | None = None,
    object_id: UUID | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Adds the record to `session`'s transaction: it is kept exactly when the action is."""
    await AuditLog(session).add(
        AuditRecord(
            account_id=account_id,
            occurred_at=utcnow(),
            actor_type=actor.type,
            actor_id=actor.id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            ip=origin.ip,
            user_agent=origin.user_agent,
            details=details or {},
        )
    )


class Positioned(Protocol):
    """A row of a log read newest first: the audit log's, the activity log's."""

    @property
    def occurred_at(self) -> datetime: ...

    @property
    def id(self) -> UUID: ...


def cursor_after(last: Positioned) -> str:
    return encode_cursor(last.occurred_at, last.id)


async def page(
    session: AsyncSession, account_id: UUID, cursor: str | None, limit: int
) -> tuple[list[AuditRecord], str | None]:
    """A page of the account's records, newest first, and the cursor of the next page
    (None on the last one)."""
    after = decode_cursor(cursor) if cursor else None
    records = await AuditLog(session).page(account_id, after, limit + 1)
    if len(records) <= limit:
        return records, None
    return records[:limit], cursor_after(records[limit - 1])

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class AuditEntry(BaseModel):
    id: UUID
    occurred_at: datetime
    action: str = Field(
        description="`account.registered`, `account.profile_changed`, `account.2fa_enabled`, "
        "`account.2fa_disabled`, `password.changed`, `login.succeeded`, `login.failed`, "
        "`login.locked`, `session.reuse_detected`, `session.logged_out`, `session.revoked`, "
        "`api_key.created`, `api_key.revoked`, the account's state changes (`account.suspended`, "
        "`account.blocked`, `account.reinstated`, `account.unblocked`, `account.closed`, "
        "`account.reopened`) and its team's (`user.invited`, `invitation.revoked`, "
        "`user.joined`, `user.role_changed`, `user.removed`), and the other services' "
        "dotted names (`contact.created`, `contact.updated`, `contact.listed`, "
        "`contact.deleted`, `sender_name.approved`, ...)"
    )
    actor_type: str = Field(
        description="`user`, `api_key`, `system` or `operator` (the platform's staff)"
    )
    actor_id: str | None = Field(description="The user's or key's id; none for `system`")
    object_type: str | None = Field(
        description="`account`, `user`, `session`, `api_key` or `invitation`"
    )
    object_id: str | None
    ip: str | None = Field(description="The client's address")
    user_agent: str | None = Field(description="The client's User-Agent, cut to 256 characters")
    details: dict[str, Any] = Field(
        description="Names, never values: `fields` changed, a key's `scopes`, a failed "
        "login's `reason` (`password` or `otp`), a user's `role` (and `from`/`to` when it "
        "changed)"
    )


class AuditLogPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page"
    )

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class LoginSession(BaseModel):
    """A login still able to refresh: the browser or script that holds its refresh token."""

    id: UUID = Field(description="The login's id; DELETE /v1/auth/sessions/{id} ends it")
    user_agent: str | None = Field(
        description="The User-Agent of its latest login or refresh (cut to 256 characters)"
    )
    ip: str | None = Field(
        description="The client address of its latest login or refresh, in full: the "
        "user's own, as the audit log shows it"
    )
    created_at: datetime = Field(description="When its login happened")
    last_used_at: datetime = Field(description="Its latest login or refresh")
    expires_at: datetime = Field(description="When it ends unless refreshed before")
    current: bool = Field(description="The login the caller's access token belongs to")


class LoginSessionPage(BaseModel):
    items: list[LoginSession]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null last")


class RevokedSessions(BaseModel):
    revoked: int = Field(description="How many other sessions were ended")

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class ActivityEntry(BaseModel):
    id: UUID
    occurred_at: datetime = Field(description="When the gateway received the request")
    actor_type: str | None = Field(description="`user` or `api_key`")
    actor_id: str | None = Field(description="The user's or key's id")
    ip: str | None = Field(description="The client's address")
    user_agent: str | None = Field(description="The client's User-Agent, cut to 256 characters")
    method: str
    path: str = Field(description="The path only: the query string is never kept")
    status: int = Field(description="The answer's HTTP status")
    duration_ms: float = Field(description="From the request's arrival to the answer's end")


class ActivityLogPage(BaseModel):
    items: list[ActivityEntry]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page"
    )

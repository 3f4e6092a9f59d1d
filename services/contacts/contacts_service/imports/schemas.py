from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class ImportResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    state: str  # pending, running, done, failed
    file_name: str
    mapping: dict[str, str]
    group_id: UUID | None
    rows_read: int
    created: int
    updated: int
    skipped: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    files_deleted_at: datetime | None


class ImportList(BaseModel):
    items: list[ImportResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next, older page; null on the last page"
    )

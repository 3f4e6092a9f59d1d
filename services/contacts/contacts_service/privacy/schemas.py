from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

ExportState = Literal["pending", "running", "ready", "failed", "expired"]


class ExportCreate(BaseModel):
    """Exactly one of `phone`, `contact_id` or `all`."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, examples=["+447700900123"])
    contact_id: UUID | None = None
    all: Literal[True] | None = Field(
        default=None, description="The whole account's data; needs `account:export`"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> "ExportCreate":
        given = [key for key in ("phone", "contact_id", "all") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of phone, contact_id or all")
        return self


class ExportResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    scope: Literal["phone", "contact", "all"]
    phone: str | None
    contact_id: UUID | None
    state: ExportState
    rows: int = Field(description="Rows in the archive, once ready")
    error: str | None = Field(
        description="Why it failed, when `state` is `failed` (a service that did not answer, "
        "or workers interrupted too often); null otherwise",
        examples=["Building the export was interrupted 3 times; ask for a new one"],
    )
    attempts: int = Field(
        description="How many times a worker started building it: more than 1 when a worker "
        "died mid-build and another resumed it; the export fails after "
        "`CONTACTS_EXPORT_MAX_ATTEMPTS`"
    )
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="The download goes away then")


class ErasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(examples=["+447700900123"], description="The number to erase")


class ErasurePartResponse(BaseModel):
    service: str
    completed: bool
    rows: int | None = Field(description="Rows erased or redacted; null until completed")
    completed_at: datetime | None


class ErasureResponse(BaseModel):
    id: UUID
    state: Literal["pending", "completed"]
    created_at: datetime
    completed_at: datetime | None
    services: list[ErasurePartResponse]


class ExportList(BaseModel):
    items: list[ExportResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next, older page; null on the last page"
    )


class ErasureList(BaseModel):
    items: list[ErasureResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next, older page; null on the last page"
    )

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contacts_service.groups.models import NAME_MAX
from shared.text import check_single_line

MAX_MEMBERS_PER_CALL = 1000


class GroupWrite(BaseModel):
    """Creating a group, or renaming one."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX, examples=["Spring campaign"])

    @field_validator("name")
    @classmethod
    def _visible(cls, value: str) -> str:
        name = check_single_line(value).strip()
        if not name:
            raise ValueError("a name needs a visible character")
        return name


class Members(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_MEMBERS_PER_CALL,
        description=f"1-{MAX_MEMBERS_PER_CALL} of the account's contacts",
    )


class GroupResponse(BaseModel):
    id: UUID
    name: str
    member_count: int
    created_at: datetime
    updated_at: datetime | None = Field(description="null until the group is first renamed")


class GroupList(BaseModel):
    items: list[GroupResponse]

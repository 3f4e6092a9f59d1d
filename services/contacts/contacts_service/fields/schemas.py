from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contacts_service.fields.models import KEY_MAX, FieldType

KEY_PATTERN = rf"^[a-z][a-z0-9_]{{0,{KEY_MAX - 1}}}$"


class FieldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(
        pattern=KEY_PATTERN,
        description="Lowercase letters, digits and _, starting with a letter",
        examples=["loyalty_points"],
    )
    type: FieldType


class FieldResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    type: FieldType
    created_at: datetime


class FieldList(BaseModel):
    items: list[FieldResponse]

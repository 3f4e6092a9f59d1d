from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class NumberAssign(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(
        max_length=32,
        description="E.164 (`+447700900000`; `00` or no prefix is read as international "
        "when longer than 8 digits) or a short code of 3 to 8 digits",
        examples=["+447700900000", "60777"],
    )
    account_id: UUID


class NumberResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    account_id: UUID
    kind: Literal["long_number", "short_code"]
    assigned_at: datetime


class NumberList(BaseModel):
    items: list[NumberResponse]

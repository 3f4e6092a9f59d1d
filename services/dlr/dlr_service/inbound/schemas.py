from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class InboundResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    from_number: str = Field(serialization_alias="from", examples=["+447700900123"])
    to_number: str = Field(serialization_alias="to", examples=["+447700900000"])
    text: str
    received_at: datetime
    smsc: str = Field(description="The SMSC link it arrived on")


class InboundPage(BaseModel):
    items: list[InboundResponse]
    next_cursor: str | None

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from dispatch_service.help_replies.models import HelpText
from dispatch_service.messages.schemas import check_sendable

MAX_HELP_TEXT = 320  # two GSM-7 parts: HELP answers should stay short


class HelpTextBody(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=MAX_HELP_TEXT,
        examples=["Acme alerts: up to 4 msgs/week. Reply STOP to opt out. help@acme.example"],
    )

    @field_validator("text")
    @classmethod
    def _sendable(cls, value: str) -> str:
        return check_sendable(value)


class HelpTextResponse(BaseModel):
    text: str
    updated_at: datetime

    @classmethod
    def of(cls, row: HelpText) -> "HelpTextResponse":
        return cls(text=row.text, updated_at=row.updated_at)

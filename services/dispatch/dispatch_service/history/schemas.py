from datetime import datetime

from pydantic import BaseModel, Field

from dispatch_service.history.models import MessagePartEvent
from dispatch_service.messages.status import PartStatus


class StatusChange(BaseModel):
    status: PartStatus
    at: datetime
    error_code: str | None = Field(
        description="The SMSC's refusal (`smpp_0x..`), the receipt's error, or ours "
        "(`receipt_timeout`, billing's decline code)"
    )

    @classmethod
    def of(cls, event: MessagePartEvent) -> "StatusChange":
        return cls(status=event.status, at=event.occurred_at, error_code=event.error_code)

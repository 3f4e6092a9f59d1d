from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.messages.status import MessageStatus, PartStatus
from dispatch_service.sms.encoding import Encoding
from shared.text import check_message_text, check_single_line

MAX_TEXT_LENGTH = 1600


def check_sendable(value: str) -> str:
    # Control, invisible and bidi characters (and lone surrogates, which JSON can smuggle
    # in) first: a text of only zero-width spaces is disguised, not blank.
    check_message_text(value)
    if not value.strip():
        raise ValueError("must not be blank")
    return value


class SendMessageRequest(BaseModel):
    # Bounded here only to cap parsing work; the number itself is checked by the service,
    # which answers with its own problem code (invalid_phone_number, invalid_sender).
    to: str = Field(max_length=64, examples=["+447700900123"])
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    sender: str | None = Field(default=None, max_length=64, examples=["ACME"])

    @field_validator("text")
    @classmethod
    def _sendable(cls, value: str) -> str:
        return check_sendable(value)

    @field_validator("sender")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return None if value is None else check_single_line(value)


class PartResponse(BaseModel):
    index: int
    status: PartStatus
    smsc_message_id: str | None
    submitted_at: datetime | None
    done_at: datetime | None
    error_code: str | None
    # submit_sm sent for this part; more than one means it was retried (see the SMPP log).
    attempts: int = 0

    @classmethod
    def of(cls, part: MessagePart) -> "PartResponse":
        return cls(
            index=part.part_index,
            status=part.status,
            smsc_message_id=part.smsc_message_id,
            submitted_at=part.submitted_at,
            done_at=part.done_at,
            error_code=part.error_code,
            attempts=part.attempts or 0,  # None until the new row is flushed
        )


class MessageResponse(BaseModel):
    id: UUID
    to: str
    sender: str
    text: str
    status: MessageStatus
    status_reason: str | None
    error_code: str | None
    encoding: Encoding
    segments: int
    price: str | None
    currency: str | None
    parts: list[PartResponse]
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None
    sent_at: datetime | None
    done_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> "MessageResponse":
        return cls(
            id=message.id,
            to=message.to_number,
            sender=message.sender,
            text=message.text,
            status=message.status,
            status_reason=message.status_reason,
            error_code=message.error_code,
            encoding=message.encoding,
            segments=message.segments,
            price=message.price,
            currency=message.currency,
            parts=[PartResponse.of(part) for part in message.parts],
            created_at=message.created_at,
            updated_at=message.updated_at,
            queued_at=message.queued_at,
            sent_at=message.sent_at,
            done_at=message.done_at,
        )


class MessageList(BaseModel):
    items: list[MessageResponse]

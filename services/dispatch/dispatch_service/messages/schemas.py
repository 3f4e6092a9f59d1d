from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field, field_validator, model_validator

from dispatch_service.consent.service import Purpose, purpose_field
from dispatch_service.history.schemas import StatusChange
from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.messages.status import MessageStatus, PartStatus
from dispatch_service.scheduling.intake import SendAt, send_at_field, validity_field
from dispatch_service.sms.encoding import Encoding
from dispatch_service.sms.transliterate import EncodingPolicy, Replacement
from shared.text import check_message_text, check_single_line

MAX_TEXT_LENGTH = 1600
MAX_VARIABLES = 100


def check_sendable(value: str) -> str:
    # Control, invisible and bidi characters (and lone surrogates, which JSON can smuggle
    # in) first: a text of only zero-width spaces is disguised, not blank.
    check_message_text(value)
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Variables = dict[str, str]
TEMPLATE_ID_DESCRIPTION = "Send this template, filled in with `variables`, instead of `text`"
VARIABLES_DESCRIPTION = "Values for the template's placeholders, inserted as they are"
ENCODING_POLICY_DESCRIPTION = (
    "`auto`: UCS-2 when the text needs it; `gsm7_transliterate`: look-alikes (smart quotes, "
    "dashes, special spaces, ellipsis, bullets) become their GSM-7 twins, listed in "
    "`replaced`; `reject_ucs2`: 422 `ucs2_not_allowed` if the text needs UCS-2"
)


def check_variables(value: Variables | None) -> Variables | None:
    if value is None:
        return None
    if len(value) > MAX_VARIABLES:
        raise ValueError(f"at most {MAX_VARIABLES} variables")
    for name, text in value.items():
        check_single_line(name)
        if len(text) > MAX_TEXT_LENGTH:
            raise ValueError(f"`{name}` is longer than {MAX_TEXT_LENGTH} characters")
        check_message_text(text)
    return value


class SendMessageRequest(BaseModel):
    # Bounded here only to cap parsing work; the number itself is checked by the service,
    # which answers with its own problem code (invalid_phone_number, invalid_sender).
    to: str | None = Field(default=None, max_length=64, examples=["+447700900123"])
    reply_to: UUID | None = Field(
        default=None,
        description="An inbound SMS's id (GET /v1/inbound): the message goes to the handset "
        "that wrote, from the number it wrote to; give neither `to` nor `sender` with it",
    )
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)
    template_id: UUID | None = Field(default=None, description=TEMPLATE_ID_DESCRIPTION)
    variables: Variables | None = Field(default=None, description=VARIABLES_DESCRIPTION)
    sender: str | None = Field(default=None, max_length=64, examples=["ACME"])
    encoding_policy: EncodingPolicy = Field(default="auto", description=ENCODING_POLICY_DESCRIPTION)
    purpose: Purpose = purpose_field("transactional")
    send_at: SendAt = send_at_field()
    validity_period: int | None = validity_field()
    callback_url: str | None = Field(
        default=None,
        max_length=2048,
        description="Also post this message's `message.status` webhooks here (signed, see "
        "docs/webhooks.md); https:// to a public address, else 422 `webhook_url_forbidden`",
    )

    @field_validator("text")
    @classmethod
    def _sendable(cls, value: str | None) -> str | None:
        return None if value is None else check_sendable(value)

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: Variables | None) -> Variables | None:
        return check_variables(value)

    @model_validator(mode="after")
    def _recipient(self) -> Self:
        if self.reply_to is None and self.to is None:
            raise ValueError("give `to`, or `reply_to`")
        if self.reply_to is not None and (self.to is not None or self.sender is not None):
            raise ValueError("`reply_to` sets `to` and `sender`: give neither with it")
        return self

    def recipient(self) -> str:
        """`to`, once replies.addressed has filled it in for a reply."""
        assert self.to is not None, "replies.addressed fills `to` in before intake"
        return self.to

    @model_validator(mode="after")
    def _text_or_template(self) -> Self:
        if (self.text is None) == (self.template_id is None):
            raise ValueError("give either `text` or `template_id`")
        if self.variables is not None and self.template_id is None:
            raise ValueError("`variables` go with `template_id`")
        return self

    def rendered_text(self) -> str:
        """The text to send, once templates.intake has rendered any template into it."""
        assert self.text is not None, "templates.intake renders the template before intake"
        return self.text

    @field_validator("sender")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return None if value is None else check_single_line(value)


class PartResponse(BaseModel):
    index: int
    status: PartStatus
    smsc_message_id: str | None
    smsc: str | None = Field(description="The SMPP link the part was submitted on")
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
            smsc=part.smsc,
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
    purpose: Purpose
    send_at: datetime | None
    validity_period: int | None
    price: str | None
    currency: str | None
    parts: list[PartResponse]
    replaced: list[Replacement] = Field(
        default=[],
        description="On a send with `encoding_policy` `gsm7_transliterate`: what was replaced",
    )
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
            purpose=message.purpose,
            send_at=message.send_at,
            validity_period=message.validity_period,
            price=message.price,
            currency=message.currency,
            parts=[PartResponse.of(part) for part in message.parts],
            created_at=message.created_at,
            updated_at=message.updated_at,
            queued_at=message.queued_at,
            sent_at=message.sent_at,
            done_at=message.done_at,
        )


class PartDetail(PartResponse):
    history: list[StatusChange] = Field(description="Every status the part has had, in order")

    @classmethod
    def of(cls, part: MessagePart) -> "PartDetail":
        return cls(
            **PartResponse.of(part).model_dump(),
            history=[StatusChange.of(event) for event in part.history],
        )


class MessageDetail(MessageResponse):
    parts: list[PartDetail]  # type: ignore[assignment]

    @classmethod
    def of(cls, message: Message) -> "MessageDetail":
        return cls(
            **MessageResponse.of(message).model_dump(exclude={"parts"}),
            parts=[PartDetail.of(part) for part in message.parts],
        )


class MessageList(BaseModel):
    items: list[MessageResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )

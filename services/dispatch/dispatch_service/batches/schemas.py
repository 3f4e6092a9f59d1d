from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field, field_validator, model_validator

from dispatch_service.consent.service import Purpose, purpose_field
from dispatch_service.messages.schemas import (
    ENCODING_POLICY_DESCRIPTION,
    MAX_TEXT_LENGTH,
    TEMPLATE_ID_DESCRIPTION,
    VARIABLES_DESCRIPTION,
    Variables,
    check_sendable,
    check_variables,
)
from dispatch_service.messages.status import MessageStatus
from dispatch_service.scheduling.intake import SendAt, send_at_field, validity_field
from dispatch_service.sms.encoding import Encoding
from dispatch_service.sms.transliterate import EncodingPolicy, Replacement
from shared.text import check_single_line

MAX_BATCH_SIZE = 1000


class BatchEntry(BaseModel):
    # Unbounded here on purpose: each entry is checked by the single-message rules, so one
    # bad entry is refused on its own instead of failing the whole batch.
    to: str = Field(examples=["+447700900123"])
    text: str | None = Field(default=None, examples=["Your code is 4711"])
    template_id: UUID | None = Field(default=None, description=TEMPLATE_ID_DESCRIPTION)
    variables: Variables | None = Field(default=None, description=VARIABLES_DESCRIPTION)
    sender: str | None = Field(default=None, examples=["ACME"])


class SendBatchRequest(BaseModel):
    """One text to many recipients (`to` and `text`), or a list of `messages`. `sender`,
    if given, is the default for every message that names none."""

    to: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_BATCH_SIZE, examples=[["+447700900123"]]
    )
    # Shared by every recipient, so checked once for the whole request.
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)
    # Or one template, with the same variables for every recipient of `to`.
    template_id: UUID | None = Field(default=None, description=TEMPLATE_ID_DESCRIPTION)
    variables: Variables | None = Field(default=None, description=VARIABLES_DESCRIPTION)
    sender: str | None = Field(default=None, max_length=64, examples=["ACME"])
    messages: list[BatchEntry] | None = Field(default=None, min_length=1, max_length=MAX_BATCH_SIZE)
    encoding_policy: EncodingPolicy = Field(default="auto", description=ENCODING_POLICY_DESCRIPTION)
    # A batch is a mailing unless said otherwise (R11): opted-out numbers are left out.
    purpose: Purpose = purpose_field("marketing")
    # One time for the whole batch; each message is released (and charged) on its own.
    send_at: SendAt = send_at_field()
    validity_period: int | None = validity_field()
    callback_url: str | None = Field(
        default=None,
        max_length=2048,
        description="Also post every message's `message.status` webhooks here (signed, see "
        "docs/webhooks.md); https:// to a public address, else 422 `webhook_url_forbidden`",
    )

    @field_validator("text")
    @classmethod
    def _sendable(cls, value: str | None) -> str | None:
        return None if value is None else check_sendable(value)

    @field_validator("sender")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return None if value is None else check_single_line(value)

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: Variables | None) -> Variables | None:
        return check_variables(value)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        content = [value for value in (self.text, self.template_id) if value is not None]
        shared = self.to is not None or bool(content) or self.variables is not None
        if self.messages is not None and shared:
            raise ValueError("give either `to` and `text`, or `messages`, not both")
        if self.messages is None and (self.to is None or len(content) != 1):
            raise ValueError("give `to` and `text` (or `template_id`), or `messages`")
        return self

    def recipient_count(self) -> int:
        """Entries, valid or not: what the mass-mailing threshold counts."""
        return len(self.messages) if self.messages is not None else len(self.to or [])

    def entries(self) -> list[BatchEntry]:
        if self.messages is None:
            return [
                BatchEntry(
                    to=number,
                    text=self.text,
                    template_id=self.template_id,
                    variables=self.variables,
                    sender=self.sender,
                )
                for number in self.to or []  # set: checked by _one_form
            ]
        if self.sender is None:
            return self.messages
        # The request's sender fills in; an entry's own choice wins.
        return [
            entry if entry.sender is not None else entry.model_copy(update={"sender": self.sender})
            for entry in self.messages
        ]


class RejectedEntry(BaseModel):
    index: int = Field(description="0-based position in `to` or `messages`")
    code: str = Field(examples=["invalid_phone_number"])
    detail: str


class BatchMessage(BaseModel):
    id: UUID
    to: str
    encoding: Encoding
    segments: int
    status: MessageStatus
    replaced: list[Replacement] = Field(
        default=[],
        description="On a send with `encoding_policy` `gsm7_transliterate`: what was replaced",
    )


class BatchResponse(BaseModel):
    batch_id: UUID
    accepted: int
    rejected: list[RejectedEntry]
    messages: list[BatchMessage]

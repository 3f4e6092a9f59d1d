from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field, field_validator, model_validator

from dispatch_service.campaigns.models import Campaign, CampaignState
from dispatch_service.consent.service import Purpose, purpose_field
from dispatch_service.messages.schemas import (
    MAX_TEXT_LENGTH,
    TEMPLATE_ID_DESCRIPTION,
    check_sendable,
)
from dispatch_service.scheduling.intake import SendAt, send_at_field
from shared.text import check_single_line

MAX_GROUPS = 100


class CreateCampaignRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["Winter sale"])
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT_LENGTH,
        description="`{{name}}`, `{{email}}`, `{{country}}`, `{{phone}}` and custom field keys "
        "are filled in per recipient (empty where the contact has none)",
        examples=["Hi {{name}}, 20% off this week"],
    )
    template_id: UUID | None = Field(default=None, description=TEMPLATE_ID_DESCRIPTION)
    sender: str | None = Field(default=None, max_length=64, examples=["ACME"])
    group_ids: list[UUID] = Field(min_length=1, max_length=MAX_GROUPS)
    send_at: SendAt = send_at_field()
    purpose: Purpose = purpose_field("marketing")
    opt_out_line: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Appended to a marketing text that has no opt-out of its own (no STOP, "
        "no unsubscribe link); default: the platform's (`Reply STOP to opt out`)",
    )

    @field_validator("text")
    @classmethod
    def _sendable(cls, value: str | None) -> str | None:
        return None if value is None else check_sendable(value)

    @field_validator("sender", "name", "opt_out_line")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return None if value is None else check_single_line(value)

    @model_validator(mode="after")
    def _one_text(self) -> Self:
        if (self.text is None) == (self.template_id is None):
            raise ValueError("give either `text` or `template_id`")
        return self


class StatusCounts(BaseModel):
    pending: int = Field(description="Recipients not released into a batch yet")
    refused: int = Field(description="Recipients the send refused (opted out since, ...)")
    messages: dict[str, int] = Field(
        description="The campaign's messages by status (accepted, sent, delivered, ...)"
    )


class CampaignQuote(BaseModel):
    segments: int = Field(description="Parts the recipients' personalised texts take")
    total_price: str | None = Field(description="null when billing could not price them all")
    currency: str | None
    note: str | None = None


class CampaignResponse(BaseModel):
    id: UUID
    name: str
    text: str = Field(description="As it goes out before personalisation")
    template_id: UUID | None
    sender: str | None
    purpose: Purpose
    group_ids: list[UUID]
    send_at: datetime | None
    state: CampaignState
    audience_complete: bool = Field(
        description="false while contacts is still listing the groups' consented members"
    )
    recipients: int
    failure_reason: str | None = Field(
        default=None, description="Why the campaign is `failed` (its audience never came)"
    )
    released: int = Field(description="Recipients handed to the batch path so far")
    counts: StatusCounts | None = None
    quote: CampaignQuote | None = Field(
        default=None, description="On a draft whose audience is complete: its cost"
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, campaign: Campaign, released: int = 0) -> "CampaignResponse":
        return cls(
            id=campaign.id,
            name=campaign.name,
            text=campaign.text,
            template_id=campaign.template_id,
            sender=campaign.sender,
            purpose=campaign.purpose,
            group_ids=[UUID(group_id) for group_id in campaign.group_ids],
            send_at=campaign.send_at,
            state=campaign.state,
            audience_complete=campaign.audience_complete,
            recipients=campaign.recipients,
            failure_reason=campaign.failure_reason,
            released=released,
            created_at=campaign.created_at,
            started_at=campaign.started_at,
            finished_at=campaign.finished_at,
        )


class CampaignList(BaseModel):
    items: list[CampaignResponse]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from dlr_service.webhooks.models import EventType
from shared.text import check_single_line

_URL: dict[str, Any] = {"max_length": 2048, "examples": ["https://example.com/hooks/sms"]}
_EVENTS: dict[str, Any] = {
    "min_length": 1,
    "max_length": 2,
    "examples": [["message.status", "message.inbound"]],
}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("events", check_fields=False)
    @classmethod
    def _once_each(cls, value: list[EventType] | None) -> list[EventType] | None:
        return list(dict.fromkeys(value)) if value is not None else None

    @field_validator("description", check_fields=False)
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return check_single_line(value).strip() or None if value is not None else None


class WebhookCreate(_Input):
    url: str = Field(**_URL)
    events: list[EventType] = Field(**_EVENTS)
    description: str | None = Field(default=None, max_length=500)


class WebhookUpdate(_Input):
    url: str | None = Field(default=None, **_URL)
    events: list[EventType] | None = Field(default=None, **_EVENTS)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class WebhookResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(
        description="Why dlr disabled it (all attempts failing for days); null otherwise"
    )
    created_at: datetime


class WebhookCreated(WebhookResponse):
    secret: str = Field(
        description="Signing secret (`whsec_` + base64); shown only here and on rotation",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookList(BaseModel):
    items: list[WebhookResponse]


class WebhookSecretRotated(BaseModel):
    secret: str
    previous_secret_expires_at: datetime = Field(
        description="Until then deliveries carry a signature with the old secret too"
    )


class CallbackSecretResponse(BaseModel):
    """The secret the account's per-message callbacks (a send's `callback_url`) are signed
    with."""

    secret: str
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="Until then deliveries carry a signature with the old secret too"
    )


class WebhookAttemptResponse(BaseModel):
    id: UUID
    delivery_id: UUID
    event_id: UUID
    event_type: str
    attempted_at: datetime
    status_code: int | None = Field(description="null when no answer came (or it was refused)")
    latency_ms: int
    error: str | None
    response_body: str | None = Field(description="The first 1 KiB of the answer")


class WebhookAttemptPage(BaseModel):
    items: list[WebhookAttemptResponse]
    next_cursor: str | None


class WebhookReplayWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime
    until: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> "WebhookReplayWindow":
        if self.until <= self.since:
            raise ValueError("`until` must be after `since`")
        return self


class WebhookReplayQueued(BaseModel):
    queued: int = Field(description="Deliveries queued anew")


def attempt_response(attempt: Any, event_type: str) -> WebhookAttemptResponse:
    return WebhookAttemptResponse(
        id=attempt.id,
        delivery_id=attempt.delivery_id,
        event_id=attempt.event_id,
        event_type=event_type,
        attempted_at=attempt.attempted_at,
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        error=attempt.error,
        response_body=attempt.response_body,
    )

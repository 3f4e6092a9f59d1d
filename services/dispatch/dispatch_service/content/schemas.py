from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dispatch_service.content.policy import MAX_PATTERN_LENGTH, Action, Category, Kind
from shared.text import check_single_line

# Patterns are checked by the service (422 invalid_pattern); this only caps parsing work.
_MAX_LENGTH = 4 * MAX_PATTERN_LENGTH


def _visible(value: str | None) -> str | None:
    return None if value is None else check_single_line(value)


class NewContentRule(BaseModel):
    category: Category
    kind: Kind = "keyword"
    pattern: str = Field(min_length=1, max_length=_MAX_LENGTH, examples=["casino"])
    action: Action = Field(
        default="block",
        description="`block` refuses the text (422 `content_blocked`); `review` holds the "
        "message for an operator (meant for URL shorteners)",
    )
    enabled: bool = True

    _visible_pattern = field_validator("pattern")(_visible)


class ContentRuleChange(BaseModel):
    """The fields to change; the others keep their values."""

    category: Category | None = None
    kind: Kind | None = None
    pattern: str | None = Field(default=None, min_length=1, max_length=_MAX_LENGTH)
    action: Action | None = None
    enabled: bool | None = None

    _visible_pattern = field_validator("pattern")(_visible)


class ContentRuleResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    category: Category
    kind: Kind
    pattern: str
    action: Action
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ContentRuleList(BaseModel):
    items: list[ContentRuleResponse]


class ContentHitResponse(BaseModel):
    """A text that hit a rule; the text itself is never kept."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    account_id: UUID
    category: Category
    rule_id: UUID
    action: Action
    at: datetime


class ContentHitList(BaseModel):
    items: list[ContentHitResponse]


class ContentReviewResponse(BaseModel):
    """A message held for review: who sent it and the shortener domains in it, never the
    text (operators do not read customers' messages)."""

    message_id: UUID
    account_id: UUID
    domains: list[str]
    created_at: datetime


class ContentReviewList(BaseModel):
    items: list[ContentReviewResponse]

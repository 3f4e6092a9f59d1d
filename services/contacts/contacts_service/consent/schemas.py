from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from contacts_service.consent.models import EVIDENCE_MAX, ConsentRecord
from shared.events import ConsentPurpose
from shared.text import check_single_line

# What the account may say it got consent by; `keyword` (a STOP/START reply) comes only
# from dlr, `link` only from an unsubscribe link.
AccountSource = Literal["api", "web_form", "import"]
Source = Literal["keyword", "api", "link", "import", "web_form"]


class ConsentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    granted: StrictBool = Field(description="false records a withdrawal (an opt-out)")
    source: AccountSource = Field(default="api", description="How the recipient said so")
    evidence: str | None = Field(
        default=None,
        max_length=EVIDENCE_MAX,
        description="What shows it, e.g. the form and its version, or the ticket",
        examples=["signup form v3, checkbox 'offers by SMS'"],
    )

    @field_validator("evidence")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None


class ConsentRecordResponse(BaseModel):
    id: UUID
    purpose: ConsentPurpose
    granted: bool
    source: Source
    evidence: str | None
    recorded_at: datetime
    contact_id: UUID | None = Field(
        description="The contact it was recorded on; null when none had the number then"
    )

    @classmethod
    def of(cls, record: ConsentRecord) -> "ConsentRecordResponse":
        return cls.model_validate(record, from_attributes=True)


class ConsentRecordList(BaseModel):
    items: list[ConsentRecordResponse]


class ConsentState(BaseModel):
    granted: bool
    source: Source
    at: datetime

    @classmethod
    def of(cls, record: ConsentRecord) -> "ConsentState":
        return cls(granted=record.granted, source=record.source, at=record.recorded_at)


class ContactConsent(BaseModel):
    """The latest record of each purpose; null: none recorded."""

    marketing: ConsentState | None = None
    transactional: ConsentState | None = None

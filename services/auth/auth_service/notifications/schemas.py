from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.text import check_single_line


class BreachNoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(
        min_length=1,
        max_length=10_000,
        description="What happened, what data, what we did and what the customer should do",
    )
    affected_account_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=10_000)
    all: bool = Field(default=False, description="Every customer account is affected")
    detected_at: AwareDatetime = Field(description="When the breach was detected (RFC 3339)")

    @model_validator(mode="after")
    def _one_scope(self) -> "BreachNoticeIn":
        if self.all == (self.affected_account_ids is not None):
            raise ValueError("give either affected_account_ids or all: true")
        return self


class BreachNoticeOut(BaseModel):
    id: UUID
    description: str
    detected_at: datetime
    deadline: datetime = Field(description="72 hours after detection")
    created_at: datetime
    all: bool
    accounts: int = Field(description="Affected accounts with an owner to tell")
    recipients: int = Field(description="Mails queued: one per affected account's owner")
    sent: int = Field(description="Mails that went out")
    pending: int = Field(description="Mails not sent yet (retried until they go)")
    overdue: bool = Field(description="The deadline passed with mails still pending")


class BreachNoticePage(BaseModel):
    items: list[BreachNoticeOut]


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    marketing: bool = Field(
        default=True,
        description="Product news: only to users who did not unsubscribe, with an "
        "unsubscribe link. false: a service announcement every customer user gets",
    )

    @model_validator(mode="after")
    def _subject_one_line(self) -> "AnnouncementIn":
        check_single_line(self.subject)
        return self


class AnnouncementOut(BaseModel):
    id: UUID
    recipients: int


class NotificationPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    marketing: bool = Field(
        description="Product news. Mail about the account itself (balance, invoices, "
        "suspension, sender names, webhooks, breach notices) always goes"
    )

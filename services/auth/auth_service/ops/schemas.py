from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.events import AccountState
from shared.text import check_single_line


class OpsAccount(BaseModel):
    """What an operator sees of a customer account: never a message text (auth has none)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    company_name: str
    contact_email: str | None
    state: AccountState
    state_reason: str | None = Field(description="Shown to the account's own users too")
    email_verified: bool = Field(description="Whether the registering e-mail is confirmed")
    trial: bool = Field(description="Sending capped until lifted (POST .../end-trial)")
    created_at: datetime


class OpsAccountPage(BaseModel):
    items: list[OpsAccount]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class StateReason(BaseModel):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Shown to the account's users (e.g. `unpaid invoice 2026-11`); "
        "never internal notes",
    )

    @field_validator("reason")
    @classmethod
    def _single_line(cls, value: str) -> str:
        value = check_single_line(value).strip()
        if not value:
            raise ValueError("must not be blank")
        return value

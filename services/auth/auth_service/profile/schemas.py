from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from auth_service.profile.phones import parse_phone
from shared.events import AccountState
from shared.text import check_single_line


class AccountProfile(BaseModel):
    id: UUID
    company_name: str
    contact_email: str | None = Field(description="Where the platform writes to the customer")
    phone: str | None = Field(description="E.164", examples=["+447700900123"])
    name: str | None = Field(description="The name of the user who asks")
    email: str = Field(description="The login e-mail of the user who asks")
    role: str
    two_factor_enabled: bool
    state: AccountState = Field(
        description="`active`; `suspended` (non-payment: reading works, sending is refused); "
        "`blocked` (everything but logging in and this page is refused); `closed`"
    )
    state_reason: str | None = Field(description="Why the account is suspended or blocked")
    email_verified: bool = Field(
        description="Whether the registering e-mail is confirmed; the starter credit waits "
        "for it (POST /v1/auth/verify-email)"
    )
    trial: bool = Field(
        description="On trial, sending is capped to a few messages a day to test "
        "destinations, until the platform lifts it"
    )
    created_at: datetime


class AccountUpdate(BaseModel):
    """Only the fields sent change; `null` clears `phone` or `name`."""

    # A misspelt field must fail loudly, not look like a change that was made.
    model_config = ConfigDict(extra="forbid")

    company_name: str | None = Field(default=None, min_length=1, max_length=200)
    contact_email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32, examples=["+44 7700 900123"])
    name: str | None = Field(default=None, max_length=200)

    @field_validator("company_name")
    @classmethod
    def _company(cls, value: str | None) -> str:
        value = check_single_line(value or "").strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("contact_email")
    @classmethod
    def _contact(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("must not be null")
        return value.lower()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else parse_phone(check_single_line(value))

from datetime import datetime
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.text import check_single_line


class ContactCreate(BaseModel):
    # A misspelt field must fail loudly, not silently drop the consent it carried.
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=64, examples=["+44 7700 900123"])
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    consented_at: AwareDatetime | None = None
    consent_source: str | None = Field(default=None, max_length=200, examples=["web form"])

    @field_validator("name", "consent_source")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None

    @field_validator("phone")
    @classmethod
    def _visible(cls, value: str) -> str:
        return check_single_line(value)


class ContactResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    phone: str = Field(description="E.164", examples=["+447700900123"])
    name: str | None
    email: str | None
    consented_at: datetime | None
    consent_source: str | None
    created_at: datetime


class ContactList(BaseModel):
    items: list[ContactResponse]
    total: int

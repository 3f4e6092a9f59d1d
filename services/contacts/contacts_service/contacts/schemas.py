from datetime import date, datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from contacts_service.consent.schemas import ContactConsent
from contacts_service.contacts.countries import ISO_3166_ALPHA_2
from contacts_service.contacts.models import TAG_MAX, Contact
from contacts_service.fields.models import KEY_MAX
from contacts_service.fields.service import MAX_FIELDS
from shared.text import check_single_line

MAX_TAGS = 20
# Strict: "12" stays text and 1 stays a number; the field's type decides which fits.
CustomValue = StrictBool | StrictInt | StrictFloat | StrictStr | None
# Bounded here: an unknown key is named back in the problem, so it may not be any size.
CustomKey = Annotated[str, StringConstraints(min_length=1, max_length=KEY_MAX)]


class _ContactFields(BaseModel):
    """What a contact holds besides its phone, checked the same on create and update."""

    # A misspelt field must fail loudly, not silently drop the consent it carried.
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2; from the phone number when not given",
        examples=["GB"],
    )
    address: str | None = Field(default=None, max_length=500)
    birth_date: date | None = Field(
        default=None, description="Refused under 14 (`minor_not_allowed`)"
    )
    tags: list[str] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description=f"Up to {MAX_TAGS}, each 1-{TAG_MAX} characters; stored lowercase, once each",
        examples=[["vip", "newsletter"]],
    )
    custom: dict[CustomKey, CustomValue] = Field(
        default_factory=dict,
        max_length=MAX_FIELDS,
        description="Values of the account's own fields (GET /v1/contacts/fields) by key; "
        "on PATCH only the keys given change, and null removes one",
        examples=[{"loyalty_points": 120, "member_since": "2024-05-01"}],
    )

    @field_validator("name", "address")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in ISO_3166_ALPHA_2:
            raise ValueError("not an ISO 3166-1 alpha-2 country code, e.g. GB")
        return code

    @field_validator("tags")
    @classmethod
    def _normalised_tags(cls, value: list[str]) -> list[str]:
        tags = {check_single_line(tag).strip().lower() for tag in value}
        if "" in tags or any(len(tag) > TAG_MAX for tag in tags):
            raise ValueError(f"each tag is 1-{TAG_MAX} visible characters")
        return sorted(tags)

    @field_validator("custom")
    @classmethod
    def _visible_texts(cls, value: dict[str, CustomValue]) -> dict[str, CustomValue]:
        for item in value.values():
            if isinstance(item, str):
                check_single_line(item)
        return value


class ContactCreate(_ContactFields):
    phone: str = Field(max_length=64, examples=["+44 7700 900123"])
    consented_at: AwareDatetime | None = None
    consent_source: str | None = Field(default=None, max_length=200, examples=["web form"])

    @field_validator("consent_source")
    @classmethod
    def _blank_source_is_absent(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None

    @field_validator("phone")
    @classmethod
    def _visible(cls, value: str) -> str:
        return check_single_line(value)


class ContactUpdate(_ContactFields):
    """Only the fields given change; `null` clears an optional one."""

    phone: str | None = Field(default=None, max_length=64, examples=["+44 7700 900124"])

    @field_validator("phone")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return None if value is None else check_single_line(value)

    @model_validator(mode="after")
    def _phone_not_cleared(self) -> Self:
        if "phone" in self.model_fields_set and self.phone is None:
            raise ValueError("phone cannot be removed, only changed")
        return self

    def changes(self) -> dict[str, Any]:
        """The given fields and their new values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ContactResponse(BaseModel):
    id: UUID
    phone: str = Field(description="E.164", examples=["+447700900123"])
    name: str | None
    email: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2", examples=["GB"])
    address: str | None
    birth_date: date | None
    tags: list[str]
    custom: dict[str, Any] = Field(description="Values of the account's custom fields by key")
    consented_at: datetime | None
    consent_source: str | None
    created_at: datetime
    updated_at: datetime | None = Field(description="null until the contact is first changed")
    consent: ContactConsent = Field(
        description="The number's current consent per purpose: its latest record "
        "(GET /v1/contacts/{id}/consent), null for a purpose with none"
    )

    @classmethod
    def of(cls, contact: Contact, consent: ContactConsent | None) -> "ContactResponse":
        return cls(
            id=contact.id,
            phone=contact.phone,
            name=contact.name,
            email=contact.email,
            country=contact.country,
            address=contact.address,
            birth_date=contact.birth_date,
            tags=contact.tags,
            custom=contact.custom,
            consented_at=contact.consented_at,
            consent_source=contact.consent_source,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
            consent=consent or ContactConsent(),
        )


class ContactList(BaseModel):
    items: list[ContactResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (with the same filters) for the next, older page; "
        "null on the last page"
    )

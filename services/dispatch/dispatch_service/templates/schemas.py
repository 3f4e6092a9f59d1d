from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from dispatch_service.messages.schemas import MAX_TEXT_LENGTH, check_sendable
from dispatch_service.templates.models import Template
from dispatch_service.templates.render import placeholders
from shared.text import check_single_line


class _Checked(BaseModel):
    @field_validator("name", check_fields=False)
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        return None if value is None else check_single_line(value)

    @field_validator("text", check_fields=False)
    @classmethod
    def _sendable(cls, value: str | None) -> str | None:
        return None if value is None else check_sendable(value)


class TemplateCreate(_Checked):
    name: str = Field(min_length=1, max_length=64, examples=["order-shipped"])
    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT_LENGTH,
        examples=["Hi {{first_name}}, order {{order}} is on its way."],
    )


class TemplateUpdate(_Checked):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_LENGTH)


class TemplateResponse(BaseModel):
    id: UUID
    name: str
    text: str
    placeholders: list[str] = Field(description="The variables a send must give")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, template: Template) -> "TemplateResponse":
        return cls(
            id=template.id,
            name=template.name,
            text=template.text,
            placeholders=placeholders(template.text),
            created_at=template.created_at,
            updated_at=template.updated_at,
        )


class TemplateList(BaseModel):
    items: list[TemplateResponse]

from datetime import datetime
from typing import Annotated, get_args
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from shared.events import ApiKeyScope
from shared.text import check_single_line

SCOPES: tuple[str, ...] = get_args(ApiKeyScope)

# Documented as the list of valid scopes; an unknown one is checked in the service, so
# that it answers 422 `invalid_scope` rather than a generic validation error.
Scope = Annotated[str, Field(max_length=64, json_schema_extra={"enum": list(SCOPES)})]


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=len(SCOPES),
        description="What the key may do: `messages:send`, `messages:read`, "
        "`contacts:write`, `contacts:read`, `billing:read`, or `*` for all of them",
    )

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = check_single_line(value).strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class ApiKeyResponse(BaseModel):
    """A key as listed: never its secret, which only its creation answer carries."""

    id: UUID
    name: str
    prefix: str = Field(description="The secret's first characters, to tell keys apart")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When the key was last used, to within a minute"
    )


class ApiKeyWithSecret(ApiKeyResponse):
    secret: str = Field(
        description="The key itself (`sk_live_...`): shown this once, stored only as a hash"
    )


class ApiKeyList(BaseModel):
    items: list[ApiKeyResponse]


class ApiKeyToken(BaseModel):
    """What the gateway gets for a key: an access token the services accept."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    account_id: UUID
    key_id: UUID
    scopes: list[str]

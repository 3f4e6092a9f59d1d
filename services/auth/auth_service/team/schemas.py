from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

from shared.roles import ROLES, Role
from shared.text import check_encodable, check_single_line


def _known_role(value: Any) -> Any:
    # Its own code (`unknown_role`, shared.errors) rather than pydantic's literal_error:
    # the roles grow, and a client should tell "no such role" from a malformed body.
    if isinstance(value, str) and value not in ROLES:
        raise PydanticCustomError(
            "unknown_role", "Unknown role; one of {roles}", {"roles": ", ".join(ROLES)}
        )
    return value


class InvitationCreate(BaseModel):
    email: EmailStr
    role: Role

    _role = field_validator("role", mode="before")(_known_role)


class RoleChange(BaseModel):
    role: Role

    _role = field_validator("role", mode="before")(_known_role)


class InvitationAccept(BaseModel):
    token: str = Field(min_length=1, max_length=256, description="From the invitation's link")
    # No minimum here: a short password is a `weak_password` problem (accounts/passwords.py).
    password: str = Field(max_length=128)
    name: str | None = Field(default=None, max_length=200, description="The person's name")

    @field_validator("name")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None

    @field_validator("password")
    @classmethod
    def _encodable(cls, value: str) -> str:
        return check_encodable(value)


class TeamMember(BaseModel):
    id: UUID
    email: str
    name: str | None
    role: str
    two_factor_enabled: bool
    created_at: datetime


class PendingInvitation(BaseModel):
    id: UUID
    email: str
    role: str
    invited_by: UUID = Field(description="The id of the user who invited")
    created_at: datetime
    expires_at: datetime


class TeamList(BaseModel):
    users: list[TeamMember]
    invitations: list[PendingInvitation] = Field(
        description="Neither accepted, revoked nor expired yet"
    )

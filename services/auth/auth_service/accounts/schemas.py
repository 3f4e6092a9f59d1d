from typing import Literal

from pydantic import BaseModel, EmailStr, Field, field_validator

from auth_service.profile.phones import parse_phone
from auth_service.sessions.schemas import TokenResponse
from shared.text import check_encodable, check_single_line


class RegisterRequest(BaseModel):
    email: EmailStr
    # No minimum here: a short password is a `weak_password` problem (accounts/passwords.py).
    password: str = Field(max_length=128)
    company_name: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200, description="The person's name")
    phone: str | None = Field(
        default=None,
        max_length=32,
        description="International format; stored as E.164",
        examples=["+44 7700 900123"],
    )

    @field_validator("company_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = check_single_line(value).strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("name")
    @classmethod
    def _blank_is_absent(cls, value: str | None) -> str | None:
        return check_single_line(value or "").strip() or None

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None else parse_phone(check_single_line(value))

    @field_validator("password")
    @classmethod
    def _encodable(cls, value: str) -> str:
        return check_encodable(value)


class RegisterResponse(BaseModel):
    """The same for an address that was free and one that was taken, so that registering
    reveals nothing about who has an account; logging in tells the customer the rest."""

    email: str
    status: Literal["received"] = "received"
    detail: str = (
        "Registration received. Log in with this e-mail and password to get a token; if the "
        "address already had an account, its password is unchanged."
    )


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=128)
    otp: str | None = Field(
        default=None,
        max_length=16,
        description="The authenticator app's current code, when two-factor login is on",
    )

    @field_validator("password")
    @classmethod
    def _encodable(cls, value: str) -> str:
        return check_encodable(value)


class LoginResponse(TokenResponse):
    account_reopened: bool = Field(
        default=False,
        description="True when this login reopened the account its owner had closed",
    )

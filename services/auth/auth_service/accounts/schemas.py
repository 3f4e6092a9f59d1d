from typing import Literal
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, field_validator

from shared.text import check_encodable, check_single_line


class RegisterRequest(BaseModel):
    email: EmailStr
    # No minimum here: a short password is a `weak_password` problem (accounts/passwords.py).
    password: str = Field(max_length=128)
    company_name: str = Field(min_length=1, max_length=200)

    @field_validator("company_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = check_single_line(value).strip()
        if not value:
            raise ValueError("must not be blank")
        return value

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

    @field_validator("password")
    @classmethod
    def _encodable(cls, value: str) -> str:
        return check_encodable(value)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    # Also in the token's claims; here so that a client need not decode the token.
    account_id: UUID

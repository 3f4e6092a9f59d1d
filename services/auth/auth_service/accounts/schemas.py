from typing import Literal
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, field_validator

from shared.text import check_encodable, check_single_line


class RegisterRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=10, max_length=128)
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
    account_id: UUID
    user_id: UUID
    email: str
    company_name: str


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

from typing import Literal

from pydantic import BaseModel, EmailStr, Field


class VerifyEmailRequest(BaseModel):
    token: str = Field(min_length=1, max_length=128, description="From the mailed link")


class ResendRequest(BaseModel):
    email: EmailStr


class VerifyEmailResponse(BaseModel):
    status: Literal["verified"] = "verified"


class ResendResponse(BaseModel):
    """The same whether or not the address has an account waiting for verification."""

    status: Literal["received"] = "received"
    detail: str = (
        "If this address has an account waiting for confirmation, a new link is on its way "
        "(at most one a minute); earlier links no longer work."
    )

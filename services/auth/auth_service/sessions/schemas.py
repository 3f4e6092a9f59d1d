from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str = Field(
        description="Exchange it at POST /v1/auth/refresh for a new pair; it works once"
    )
    refresh_expires_in: int = Field(description="Seconds the refresh token is valid, unused")
    # Also in the token's claims; here so that a client need not decode the token.
    account_id: UUID


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)

"""Who may manage API keys: a person whose role grants `api_keys:manage` (shared.roles).
An API key's own tokens never may: a leaked key must not be able to make itself a
successor or hide its tracks."""

from typing import Annotated

from fastapi import Depends, Request

from auth_service.keys.signing import TokenIssuer
from shared.roles import require
from shared.security import Principal


async def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


PersonDep = Annotated[Principal, Depends(require("api_keys:manage"))]
IssuerDep = Annotated[TokenIssuer, Depends(_issuer)]

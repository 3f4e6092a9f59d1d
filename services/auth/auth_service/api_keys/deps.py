"""Who is calling: auth checks its own access tokens exactly as every service does
(shared.security.TokenVerifier), with its own published keys instead of a fetched JWKS."""

from typing import Annotated

from fastapi import Depends, Request

from auth_service.api_keys.service import API_KEY_ROLE
from auth_service.keys.signing import TokenIssuer
from shared.errors import ProblemError
from shared.security import Principal, bearer_token


class KeyCannotManageKeys(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "insufficient_scope",
            "Insufficient scope",
            "API keys are managed by a person logged in to the account, never by a key",
        )


async def _person(request: Request) -> Principal:
    # auth's own runtime verifier (sessions.local_verifier): its keyring, no HTTP.
    verifier = request.app.state.runtime.verifier
    assert verifier is not None, "auth verifies its own tokens"
    principal: Principal = await verifier.verify(bearer_token(request))
    if principal.role == API_KEY_ROLE:
        # A leaked key must not be able to make itself a successor or hide its tracks.
        raise KeyCannotManageKeys()
    return principal


async def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


PersonDep = Annotated[Principal, Depends(_person)]
IssuerDep = Annotated[TokenIssuer, Depends(_issuer)]

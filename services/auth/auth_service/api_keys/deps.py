"""Who is calling: auth checks its own access tokens exactly as every service does
(shared.security.TokenVerifier), with its own published keys instead of a fetched JWKS."""

from typing import Annotated

import httpx
from fastapi import Depends, Request

from auth_service.api_keys.service import API_KEY_ROLE
from auth_service.config import AuthSettings
from auth_service.keys.signing import TokenIssuer
from shared.errors import ProblemError
from shared.security import JwksCache, Principal, TokenVerifier, bearer_token


class KeyCannotManageKeys(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "insufficient_scope",
            "Insufficient scope",
            "API keys are managed by a person logged in to the account, never by a key",
        )


def _local_verifier(settings: AuthSettings, issuer: TokenIssuer) -> TokenVerifier:
    jwks = issuer.jwks()
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json=jwks))
    keys = JwksCache("http://auth.local/.well-known/jwks.json", transport=transport)
    return TokenVerifier(keys, settings.jwt_issuer, settings.jwt_audience)


async def _person(request: Request) -> Principal:
    state = request.app.state
    verifier: TokenVerifier | None = getattr(state, "api_keys_verifier", None)
    if verifier is None:
        verifier = state.api_keys_verifier = _local_verifier(state.settings, state.token_issuer)
    principal = await verifier.verify(bearer_token(request))
    if principal.role == API_KEY_ROLE:
        # A leaked key must not be able to make itself a successor or hide its tracks.
        raise KeyCannotManageKeys()
    return principal


async def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


PersonDep = Annotated[Principal, Depends(_person)]
IssuerDep = Annotated[TokenIssuer, Depends(_issuer)]

"""How auth checks the bearer tokens of its own routes (/v1/account): like every other
service, with shared.security's TokenVerifier, but reading the key set from its own
keyring instead of over HTTP from itself."""

import httpx

from auth_service.config import AuthSettings
from auth_service.keys.signing import TokenIssuer
from shared.security import JwksCache, TokenVerifier


def local_verifier(issuer: TokenIssuer, settings: AuthSettings) -> TokenVerifier:
    def serve_jwks(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=issuer.jwks())

    keys = JwksCache(
        "http://auth.internal/.well-known/jwks.json", transport=httpx.MockTransport(serve_jwks)
    )
    return TokenVerifier(keys, settings.jwt_issuer, settings.jwt_audience)

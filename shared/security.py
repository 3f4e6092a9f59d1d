"""Bearer token checks. Every service verifies tokens itself against auth's published keys:
no service trusts a header the gateway (or anyone else) set."""

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import jwt
from fastapi import Request

from shared.errors import ProblemError, Unauthorized

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]


@dataclass(frozen=True)
class Principal:
    account_id: UUID
    subject: str
    role: str


class JwksCache:
    """Public keys by `kid`, fetched from auth and refreshed when an unknown kid shows up
    (key rotation), at most once every `min_refresh_seconds`."""

    def __init__(
        self,
        jwks_url: str,
        min_refresh_seconds: float = 10.0,
        retry_after_failure_seconds: float = 1.0,
    ) -> None:
        self._url = jwks_url
        self._keys: dict[str, Any] = {}
        self._attempted_at = -1e9
        self._last_failed = False
        self._min_refresh = min_refresh_seconds
        self._retry_after_failure = retry_after_failure_seconds
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> Any:
        if kid not in self._keys:
            await self._refresh()
        if kid in self._keys:
            return self._keys[kid]
        if not self._keys and self._last_failed:
            # auth is unreachable: the token may be fine, so this is our outage, not a 401.
            raise ProblemError(
                503, "service_unavailable", "Service unavailable", "Token keys are unavailable"
            )
        raise Unauthorized("Token signed with an unknown key")

    async def _refresh(self) -> None:
        async with self._lock:
            wait = self._retry_after_failure if self._last_failed else self._min_refresh
            if time.monotonic() - self._attempted_at < wait:
                return  # rate-limited: forged kids or an auth outage must not flood auth
            self._attempted_at = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                    response = await client.get(self._url)
                    response.raise_for_status()
                keys = {jwk["kid"]: jwt.PyJWK(jwk).key for jwk in response.json()["keys"]}
            except (httpx.HTTPError, ValueError, KeyError, TypeError, jwt.PyJWTError) as exc:
                log.warning("cannot fetch JWKS from %s: %s", self._url, exc)
                self._last_failed = True
                return  # keep serving the keys we have
            self._keys, self._last_failed = keys, False


class TokenVerifier:
    def __init__(self, keys: JwksCache, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = await self._keys.key_for(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            return Principal(
                account_id=UUID(claims["account_id"]),
                subject=claims["sub"],
                role=claims.get("role", "owner"),
            )
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise Unauthorized("Invalid or expired token") from exc


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized()
    return token.strip()

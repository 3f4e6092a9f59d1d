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

from shared.errors import Unauthorized

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

    def __init__(self, jwks_url: str, min_refresh_seconds: float = 10.0) -> None:
        self._url = jwks_url
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._min_refresh = min_refresh_seconds
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> Any:
        if kid not in self._keys:
            await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthorized("Token signed with an unknown key") from None

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._min_refresh and self._keys:
                return
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.get(self._url)
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                log.warning("cannot fetch JWKS from %s: %s", self._url, exc)
                raise Unauthorized("Token keys are unavailable; try again") from exc
            self._keys = {jwk["kid"]: jwt.PyJWK(jwk).key for jwk in response.json().get("keys", [])}
            self._fetched_at = time.monotonic()


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

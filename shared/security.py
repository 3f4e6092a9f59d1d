"""Bearer token checks. Every service verifies tokens itself against auth's published keys:
no service trusts a header the gateway (or anyone else) set.

RFC 8725's rules: the algorithm is pinned (never taken from the token), the key is the one
the JWKS publishes under the token's `kid` (never one the token carries or points at), and
`iss`, `aud`, `exp`, `nbf` are checked. Every failure is a 401 `unauthorized`.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import jwt
from fastapi import Request

from shared.errors import ProblemError, Unauthorized

log = logging.getLogger(__name__)

# What auth signs with (auth_service/keys/signing.py). A JWKS entry for anything else (an
# HMAC secret, an encryption key) is ignored, and a token naming another alg is refused.
ALGORITHMS = ("RS256",)
# Clock skew between pods: a token auth just issued must not look issued in the future.
LEEWAY_SECONDS = 5.0
# A verified token is remembered this long (never past its `exp`): a client sending many
# requests with one token pays the signature check and claim parsing once per interval
# instead of on every request, at the gateway and again at the service. Short, so a
# signing key withdrawn from the JWKS stops being honoured within it.
VERIFIED_TTL_SECONDS = 30.0
VERIFIED_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Principal:
    account_id: UUID
    subject: str
    role: str
    # An API key's scopes (the token's `scope` claim, RFC 9068); empty for people, whose
    # role says what they may do (shared.roles).
    scopes: frozenset[str] = frozenset()
    # A trial account (sign-up policy `verified`, until an operator or a first payment
    # lifts it): dispatch caps its sending and its destinations.
    trial: bool = False
    # The login a person's token descends from (its `sid` claim); None for API keys' tokens
    # and for tokens issued before auth set it.
    session_id: UUID | None = None


class JwksCache:
    """auth's public keys by `kid`.

    Fetched on first use and again every `refresh_seconds`, so a key auth has retired stops
    being trusted; fetched early when a token names a kid the set lacks (a rotation), at
    most once every `min_refresh_seconds` so forged kids cannot make us flood auth. A set
    that cannot be re-fetched is used until it is `max_age_seconds` old and then dropped:
    by then every token signed before auth became unreachable has expired anyway.
    """

    def __init__(
        self,
        jwks_url: str,
        min_refresh_seconds: float = 10.0,
        retry_after_failure_seconds: float = 1.0,
        *,
        refresh_seconds: float = 300.0,
        max_age_seconds: float = 3600.0,
        fetch_timeout_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = jwks_url
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_failed = False
        self._min_refresh = min_refresh_seconds
        self._retry_after_failure = retry_after_failure_seconds
        self._refresh_every = refresh_seconds
        self._max_age = max_age_seconds
        self._timeout = fetch_timeout_seconds
        self._clock = clock
        self._transport = transport
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> jwt.PyJWK:
        keys = await self._current(wanted=kid)
        if kid in keys:
            return keys[kid]
        if not keys:
            # auth is unreachable: the token may be fine, so this is our outage, not a 401.
            raise ProblemError(
                503, "service_unavailable", "Service unavailable", "Token keys are unavailable"
            )
        raise Unauthorized("Token signed with an unknown key")

    async def ready(self) -> bool:
        """Whether tokens can be checked now: a key set that has not outlived its max age,
        re-fetched first when it is due (within the same rate limits as tokens)."""
        return bool(await self._current(wanted=None))

    async def _current(self, wanted: str | None) -> dict[str, jwt.PyJWK]:
        keys = self._usable()
        unknown = wanted is not None and wanted not in keys
        due = unknown or self._age() >= self._refresh_every
        # While another request re-fetches, a usable set that has the key serves at once;
        # a request for a key we lack waits for that fetch, which may bring it.
        if due and (unknown or not keys or not self._lock.locked()):
            await self._refresh()
            keys = self._usable()
        return keys

    def _age(self) -> float:
        return float("inf") if self._fetched_at is None else self._clock() - self._fetched_at

    def _usable(self) -> dict[str, jwt.PyJWK]:
        if self._age() >= self._max_age:
            self._keys = {}  # a cached key set never lives forever
        return self._keys

    async def _refresh(self) -> None:
        async with self._lock:
            if self._attempted_at is not None:
                failing_without_keys = self._last_failed and not self._usable()
                wait = self._retry_after_failure if failing_without_keys else self._min_refresh
                if self._clock() - self._attempted_at < wait:
                    # Rate-limited: forged kids or an auth outage must not flood auth, and
                    # requests that queued behind a fetch do not repeat it.
                    return
            started = self._clock()
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.warning("cannot fetch JWKS from %s: %r", self._url, exc)
                self._last_failed = True
                return  # keep serving the keys we have, until they are too old
            finally:
                # From the attempt's end: a fetch that hung until its timeout is not
                # repeated by each request that waited for it.
                self._attempted_at = self._clock()
            self._keys, self._fetched_at, self._last_failed = keys, started, False

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        async with httpx.AsyncClient(
            timeout=self._timeout, trust_env=False, transport=self._transport
        ) as client:
            response = await client.get(self._url)
            response.raise_for_status()
        entries = response.json()["keys"]
        if not isinstance(entries, list):
            raise TypeError("JWKS `keys` is not a list")
        return dict(filter(None, (_signing_key(entry) for entry in entries)))


def _signing_key(entry: Any) -> tuple[str, jwt.PyJWK] | None:
    """The entry as (kid, key) when it is a signature key for a pinned algorithm."""
    if not isinstance(entry, dict):
        return None
    kid = entry.get("kid")
    if not isinstance(kid, str) or not kid or entry.get("use", "sig") != "sig":
        return None
    try:
        key = jwt.PyJWK(entry)
    except jwt.PyJWTError as exc:
        log.warning("JWKS entry %s skipped: %r", kid, exc)
        return None
    return (kid, key) if key.algorithm_name in ALGORITHMS else None


class TokenVerifier:
    def __init__(self, keys: JwksCache, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        # token -> (principal, kid, the key it was checked with, monotonic time until which
        # it needs no new check)
        self._verified: dict[str, tuple[Principal, str, jwt.PyJWK, float]] = {}

    @property
    def keys(self) -> JwksCache:
        return self._keys

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.pop(token, None)
        if remembered is not None:
            principal, kid, key, until = remembered
            # Still the key the JWKS serves under that kid (asking also keeps the key
            # cache's own refresh schedule): a rotation or retirement takes effect as it
            # would without the memory.
            if time.monotonic() < until and await self._keys.key_for(kid) is key:
                self._verified[token] = remembered
                return principal
        principal, kid, key, expires_at = await self._verify(token)
        self._remember(token, (principal, kid, key), expires_at)
        return principal

    def _remember(
        self, token: str, verified: tuple[Principal, str, jwt.PyJWK], expires_at: float
    ) -> None:
        if len(self._verified) >= VERIFIED_MAX_ENTRIES:
            # Crude but bounded: that many distinct tokens within the interval is a burst
            # of logins or an attack; either way they are simply verified again.
            self._verified.clear()
        seconds_left = expires_at - time.time()
        until = time.monotonic() + min(VERIFIED_TTL_SECONDS, seconds_left)
        self._verified[token] = (*verified, until)

    async def _verify(self, token: str) -> tuple[Principal, str, jwt.PyJWK, float]:
        """The token's principal and its `exp` (epoch seconds), or Unauthorized."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid or expired token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized("Token signed with an algorithm that is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("Token names no signing key")
        key = await self._keys.key_for(kid)
        claims = self._decode(token, key)
        account_id, subject, role = (
            claims.get("account_id"),
            claims.get("sub"),
            claims.get("role"),
        )
        scope, trial = claims.get("scope", ""), claims.get("trial", False)
        sid = claims.get("sid")
        # A validly signed token with claims of the wrong shape is still no identity; a
        # token without a role gets none rather than a default one.
        if not (
            isinstance(account_id, str)
            and isinstance(subject, str)
            and isinstance(role, str)
            and isinstance(scope, str)
            and isinstance(trial, bool)
            and isinstance(sid, str | None)
        ):
            raise Unauthorized("Token claims are malformed")
        try:
            principal = Principal(
                account_id=UUID(account_id),
                subject=subject,
                role=role,
                scopes=frozenset(scope.split()),
                trial=trial,
                session_id=UUID(sid) if sid is not None else None,
            )
        except ValueError as exc:
            raise Unauthorized("Token claims are malformed") from exc
        # `exp` is required and numeric (PyJWT checked both); not later than it is honoured.
        return principal, kid, key, float(claims["exp"])

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("Token not valid yet") from exc
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError) as exc:
            raise Unauthorized("Token issued by or for someone else") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("Invalid or expired token") from exc
        return claims


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized()
    return token.strip()

"""API keys at the edge: `Authorization: Bearer sk_live_...` beside auth's access tokens.

Each gateway process keeps its own projection of every key (SHA-256 of the secret → key id,
account, scopes, revoked), built by reading auth's `auth.api-keys` topic from its beginning
and then following it; no database and no call to auth per request. Keys are refused (503)
until the replay has reached the offsets the topic had at start, and again whenever the
process has not heard from the broker for `GATEWAY_API_KEYS_MAX_LAG_SECONDS`: a gateway
that cannot learn of revocations must not keep trusting keys. A revocation reaches every
replica as soon as its event does (auth's outbox relay publishes on commit).

The services accept only auth's JWTs, so for a key the gateway forwards an access token
that auth mints for it (`POST /internal/api-keys/token`, the key itself as credential;
5 minutes, the key's scopes in `scope`). Tokens are cached per key, refreshed while the key
is in use at most once a minute (which is also how auth records the key's last use), and
dropped when the key is revoked. The client's secret never reaches a service.
"""

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import httpx

from gateway.scopes import check_scope
from gateway.topic_feed import TopicFeed
from shared.errors import ProblemError, Unauthorized
from shared.events import AnyEvent, ApiKeyEvent, ApiKeyRevoked

log = logging.getLogger(__name__)

# What auth's keys look like (auth_service/api_keys/key_format.py).
KEY_PREFIX = "sk_live_"
TOPIC = ApiKeyEvent.topic
TOKEN_PATH = "/internal/api-keys/token"
# A cached token is used until this close to its expiry, then fetched again first.
_EXPIRY_MARGIN_SECONDS = 30.0
# While a key is in use its token is re-fetched in the background this often: auth records
# the key's last use when it mints, so "last used" is right to within this.
_REFRESH_WHILE_USED_SECONDS = 60.0


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class KnownKey:
    key_id: UUID
    account_id: UUID
    scopes: frozenset[str]
    revoked: bool


class KeyProjection:
    """Every key by the hash of its secret. Forward-only: a revoked key never comes back,
    whatever order a replay delivers things in."""

    def __init__(self) -> None:
        self._by_hash: dict[str, KnownKey] = {}

    def apply(self, event: ApiKeyEvent) -> None:
        known = self._by_hash.get(event.key_hash)
        revoked = isinstance(event, ApiKeyRevoked) or (known is not None and known.revoked)
        self._by_hash[event.key_hash] = KnownKey(
            event.key_id, event.account_id, frozenset(event.scopes), revoked
        )

    def lookup(self, secret: str) -> KnownKey | None:
        return self._by_hash.get(hash_secret(secret))


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float
    minted_at: float


class KeyTokens:
    """Access tokens auth minted for keys, one fetch at a time per key."""

    def __init__(
        self,
        auth_url: str,
        client: Callable[[], httpx.AsyncClient],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = auth_url.rstrip("/") + TOKEN_PATH
        self._client = client
        self._clock = clock
        self._cache: dict[UUID, _Token] = {}
        self._fetching: dict[UUID, asyncio.Task[str]] = {}
        self._revoked: set[UUID] = set()

    async def token_for(self, key: KnownKey, secret: str) -> str:
        cached = self._cache.get(key.key_id)
        now = self._clock()
        if cached is not None and cached.expires_at - now > _EXPIRY_MARGIN_SECONDS:
            if now - cached.minted_at >= _REFRESH_WHILE_USED_SECONDS:
                self._fetch_once(key, secret)  # in the background; this request goes on
            return cached.value
        return await asyncio.shield(self._fetch_once(key, secret))

    def drop(self, key_id: UUID) -> None:
        self._revoked.add(key_id)
        self._cache.pop(key_id, None)

    async def close(self) -> None:
        for task in list(self._fetching.values()):
            task.cancel()
        await asyncio.gather(*self._fetching.values(), return_exceptions=True)

    def _fetch_once(self, key: KnownKey, secret: str) -> asyncio.Task[str]:
        task = self._fetching.get(key.key_id)
        if task is None:
            task = asyncio.create_task(self._fetch(key, secret), name=f"api-key-token-{key.key_id}")
            self._fetching[key.key_id] = task
            task.add_done_callback(lambda done: self._settle(key.key_id, done))
        return task

    def _settle(self, key_id: UUID, task: asyncio.Task[str]) -> None:
        self._fetching.pop(key_id, None)
        if not task.cancelled() and task.exception() is not None:
            # Marks it retrieved; whoever awaited it (if anyone) got it too.
            log.debug("API key token fetch failed: %r", task.exception())

    async def _fetch(self, key: KnownKey, secret: str) -> str:
        started = self._clock()
        try:
            response = await self._client().post(
                self._url, headers={"authorization": f"Bearer {secret}"}
            )
        except httpx.HTTPError as exc:
            log.warning("cannot fetch a token for API key %s: %r", key.key_id, exc)
            raise _auth_unavailable() from exc
        if response.status_code == 401:
            self.drop(key.key_id)  # auth knows it revoked: the event is on its way
            raise Unauthorized("Unknown or revoked API key")
        if response.status_code != 200:
            log.warning("auth answered %s for API key %s", response.status_code, key.key_id)
            raise _auth_unavailable()
        try:
            body = response.json()
            token, lifetime = str(body["access_token"]), float(body["expires_in"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("auth answered an unreadable token for API key %s", key.key_id)
            raise _auth_unavailable() from exc
        if key.key_id not in self._revoked:
            expires_at = started + lifetime
            self._cache[key.key_id] = _Token(token, expires_at, started)
        return token


def _auth_unavailable() -> ProblemError:
    return ProblemError(
        503,
        "service_unavailable",
        "Service unavailable",
        "API keys cannot be checked right now; try again shortly",
        headers={"Retry-After": "1"},
    )


class ApiKeys:
    """What the proxy asks: may this key do this, and with which token upstream?"""

    def __init__(
        self,
        bootstrap_servers: str,
        auth_url: str,
        client: Callable[[], httpx.AsyncClient],
        max_lag_seconds: float,
    ) -> None:
        self.projection = KeyProjection()
        self.tokens = KeyTokens(auth_url, client)
        # Revocations stick whatever the replay order, so a reconnect replays in place.
        self.feed = TopicFeed(
            bootstrap_servers, TOPIC, "API key projection", self._apply, max_lag_seconds
        )

    def _apply(self, event: AnyEvent) -> None:
        if isinstance(event, ApiKeyEvent):
            self.projection.apply(event)
            if isinstance(event, ApiKeyRevoked):
                self.tokens.drop(event.key_id)

    def check(self, secret: str, method: str, path: str) -> KnownKey:
        """The key, if it may do this: or a 401/403/503 problem."""
        if not self.feed.usable():
            raise _auth_unavailable()
        key = self.projection.lookup(secret)
        if key is None or key.revoked:
            raise Unauthorized("Unknown or revoked API key")
        check_scope(key.scopes, method, path)
        return key

    async def authorize(self, secret: str, method: str, path: str) -> str:
        """The access token to forward for this key, or a 401/403/503 problem."""
        return await self.tokens.token_for(self.check(secret, method, path), secret)

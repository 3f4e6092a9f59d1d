"""The gateway's side of API keys without a broker: the scope table, the projection, and
the cache of tokens auth mints for keys."""

import asyncio
import json
import time
from uuid import uuid4

import httpx
import pytest
from aiokafka import TopicPartition

from gateway.api_keys import ApiKeys, KeyProjection, KeyTokens, KnownKey, hash_secret
from gateway.scopes import InsufficientScope, check_scope, required_scope
from shared.errors import ProblemError, Unauthorized
from shared.events import ApiKeyCreated, ApiKeyRevoked

SECRET = "sk_live_" + "a" * 43


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/v1/messages", "messages:send"),
        ("POST", "/v1/messages/batch", "messages:send"),
        ("GET", "/v1/messages", "messages:read"),
        ("GET", "/v1/messages/123", "messages:read"),
        ("HEAD", "/v1/messages/123", "messages:read"),
        ("POST", "/v1/messages/123", None),
        ("GET", "/v1/contacts/1", "contacts:read"),
        ("POST", "/v1/contacts", "contacts:write"),
        ("DELETE", "/v1/contacts/1", "contacts:write"),
        ("GET", "/v1/billing/balance", "billing:read"),
        ("POST", "/v1/billing/top-up", None),
        ("GET", "/v1/api-keys", None),
        ("POST", "/v1/api-keys", None),
        ("GET", "/v1/account", None),
        # Sender names and their review are for people logged in (and operators) only.
        ("GET", "/v1/senders", None),
        ("POST", "/v1/senders", None),
        ("POST", "/v1/ops/senders/1/approve", None),
        ("GET", "/v1/webhooks", None),
        ("POST", "/v1/webhooks", None),
        ("POST", "/v1/webhooks/1/replay", None),
        ("GET", "/v1/inbound", "messages:read"),
        ("GET", "/v1/inbound/1", "messages:read"),
        ("POST", "/v1/inbound", None),
        ("GET", "/v1/ops/numbers", None),
        ("POST", "/v1/ops/numbers", None),
    ],
)
def test_each_route_needs_its_scope(method: str, path: str, scope: str | None) -> None:
    assert required_scope(method, path) == scope


def test_star_grants_every_scope_but_not_what_no_key_may_do() -> None:
    check_scope(frozenset({"*"}), "POST", "/v1/messages")
    check_scope(frozenset({"*"}), "GET", "/v1/billing/balance")
    with pytest.raises(InsufficientScope):
        check_scope(frozenset({"*"}), "DELETE", "/v1/api-keys/1")
    with pytest.raises(InsufficientScope) as refused:
        check_scope(frozenset({"messages:read"}), "POST", "/v1/messages")
    assert refused.value.status == 403
    assert refused.value.code == "insufficient_scope"
    # Named like the services' own refusal (shared.roles), whichever of the two answers.
    assert refused.value.extensions == {"permission": "messages:send"}


def _events(**fields: object) -> tuple[ApiKeyCreated, ApiKeyRevoked]:
    common = {
        "account_id": uuid4(),
        "key_id": uuid4(),
        "key_hash": hash_secret(SECRET),
        "scopes": ["messages:send"],
        **fields,
    }
    return ApiKeyCreated(**common), ApiKeyRevoked(**common)  # type: ignore[arg-type]


def test_a_revoked_key_never_comes_back_whatever_the_replay_order() -> None:
    created, revoked = _events()
    projection = KeyProjection()
    projection.apply(created)
    found = projection.lookup(SECRET)
    assert found is not None
    assert not found.revoked
    projection.apply(revoked)
    projection.apply(created)  # a replay after a reconnect
    again = projection.lookup(SECRET)
    assert again is not None
    assert again.revoked
    assert projection.lookup("sk_live_" + "b" * 43) is None


async def test_keys_are_refused_with_503_until_the_projection_caught_up() -> None:
    keys = ApiKeys("127.0.0.1:1", "http://auth", lambda: httpx.AsyncClient(), 5.0)
    keys.projection.apply(_events()[0])
    with pytest.raises(ProblemError) as refused:
        await keys.authorize(SECRET, "POST", "/v1/messages")
    assert refused.value.status == 503


class FakeAuth:
    """auth's token endpoint: counts calls; answers 401 once `revoked`."""

    def __init__(self) -> None:
        self.calls = 0
        self.revoked = False
        self.release = asyncio.Event()
        self.release.set()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/internal/api-keys/token"
        assert request.headers["authorization"] == f"Bearer {SECRET}"
        self.calls += 1
        await self.release.wait()
        if self.revoked:
            return httpx.Response(401, json={"code": "unauthorized"})
        return httpx.Response(
            200, content=json.dumps({"access_token": f"jwt-{self.calls}", "expires_in": 300})
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _tokens(auth: FakeAuth, clock: Clock) -> KeyTokens:
    client = httpx.AsyncClient(transport=httpx.MockTransport(auth.handle))
    return KeyTokens("http://auth", lambda: client, clock)


KEY = KnownKey(uuid4(), uuid4(), frozenset({"messages:send"}), revoked=False)


async def test_a_token_is_fetched_once_and_shared_by_concurrent_requests() -> None:
    auth, clock = FakeAuth(), Clock()
    tokens = _tokens(auth, clock)
    auth.release.clear()
    waiting = [asyncio.create_task(tokens.token_for(KEY, SECRET)) for _ in range(5)]
    await asyncio.sleep(0.01)
    auth.release.set()
    assert await asyncio.gather(*waiting) == ["jwt-1"] * 5
    clock.now += 30
    assert await tokens.token_for(KEY, SECRET) == "jwt-1"
    assert auth.calls == 1


async def test_a_key_in_use_is_refetched_each_minute_in_the_background() -> None:
    auth, clock = FakeAuth(), Clock()
    tokens = _tokens(auth, clock)
    assert await tokens.token_for(KEY, SECRET) == "jwt-1"
    clock.now += 61
    # Still valid: served at once while a fresh one (and a recorded use) is fetched.
    assert await tokens.token_for(KEY, SECRET) == "jwt-1"
    async with asyncio.timeout(5):
        while auth.calls < 2 or await tokens.token_for(KEY, SECRET) != "jwt-2":
            await asyncio.sleep(0.01)
    clock.now += 300 - 20  # within the margin of the second token's expiry
    assert await tokens.token_for(KEY, SECRET) == "jwt-3"


async def test_a_dropped_key_loses_its_token_and_auth_refusing_is_401() -> None:
    auth, clock = FakeAuth(), Clock()
    tokens = _tokens(auth, clock)
    await tokens.token_for(KEY, SECRET)
    auth.revoked = True
    tokens.drop(KEY.key_id)
    with pytest.raises(Unauthorized):
        await tokens.token_for(KEY, SECRET)
    assert auth.calls == 2


class PolledAt:
    """Stands in for the Kafka consumer: when each partition was last fetched (ms)."""

    def __init__(self, ms: float | None) -> None:
        self.ms = ms

    def last_poll_timestamp(self, partition: object) -> float | None:
        return self.ms


def test_keys_stop_being_trusted_when_the_broker_has_been_silent_too_long() -> None:
    keys = ApiKeys("127.0.0.1:1", "http://auth", lambda: httpx.AsyncClient(), 5.0)
    feed = keys.feed
    feed.caught_up = True
    feed._partitions = [TopicPartition("auth.api-keys", 0)]
    now_ms = time.time() * 1000
    feed._consumer = PolledAt(now_ms - 1000)  # type: ignore[assignment]
    assert feed.usable()
    feed._consumer = PolledAt(now_ms - 6000)  # type: ignore[assignment]
    assert not feed.usable()
    feed._consumer = PolledAt(None)  # type: ignore[assignment]
    assert not feed.usable()

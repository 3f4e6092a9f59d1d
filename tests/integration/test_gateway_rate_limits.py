"""The gateway's request limits over real HTTP: the real auth service, the echo app for the
other services. Limits of 3 requests per 60 s, so no test depends on how fast it runs: the
fourth request comes within a minute of the first on any machine, and no budget refills
in between by more than a fraction of a request."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from devstack.ports import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app
from tests.integration.test_gateway import (
    DEAD_URL,
    assert_problem,
    bounded,
    calls_to,
    client,
    echo_app,
    gateway_settings,
)
from tests.support.apps import AuthClient, served_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

# 3 at once, then one every 20 s.
LIMITS = {"rate_limit_per_second": 3 / 60, "rate_limit_burst": 3}
REDIS_URL = "redis://127.0.0.1:6379/15"
DEAD_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
RATE_LIMIT_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


@pytest.fixture(scope="module")
async def echo() -> AsyncIterator[tuple[FastAPI, str]]:
    app = echo_app()
    async with bounded(served_app(app)) as url:
        yield app, url


@asynccontextmanager
async def gateways(
    auth_service: AuthClient, echo: tuple[FastAPI, str], count: int = 1, **overrides: Any
) -> AsyncIterator[list[str]]:
    """`count` gateway replicas with the same settings, each its own process-like app."""
    settings = gateway_settings(auth_service.base_url, echo[1], **{**LIMITS, **overrides})
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                bounded(served_app(create_app(settings), proxy_headers=False))
            )
            for _ in range(count)
        ]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def key_prefix() -> str:
    """Counters of this test only, in the Redis every test run shares."""
    return f"test-{uuid.uuid4().hex}:"


def limit_headers(response: httpx.Response) -> tuple[str, str, str]:
    limit, remaining, reset = (response.headers[name] for name in RATE_LIMIT_HEADERS)
    return limit, remaining, reset


def assert_rate_limited(response: httpx.Response, retry_after: int) -> None:
    problem = assert_problem(response, 429, "rate_limited")
    assert problem["status"] == 429
    # Rounded up, so a client that waits exactly that long is let in.
    assert int(response.headers["retry-after"]) in (retry_after, retry_after + 1)
    limit, remaining, reset = limit_headers(response)
    assert (limit, remaining) == ("3", "0")
    assert 0 < int(reset) <= 61
    assert response.headers["x-request-id"]  # the edge's other headers are there too


async def test_a_burst_past_the_limit_is_429_and_other_accounts_are_unaffected(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, greedy = await auth_service.new_account()
    _, other = await auth_service.new_account()
    path = f"/v1/contacts/burst-{uuid.uuid4().hex}"
    async with gateways(auth_service, echo) as [gateway], client(gateway) as http:
        burst = [await http.get(path, headers=bearer(greedy)) for _ in range(4)]
        neighbour = await http.get(path, headers=bearer(other))

    assert [r.status_code for r in burst] == [200, 200, 200, 429]
    assert [limit_headers(r)[:2] for r in burst[:3]] == [("3", "2"), ("3", "1"), ("3", "0")]
    assert "retry-after" not in burst[0].headers
    assert_rate_limited(burst[3], retry_after=20)
    assert len(calls_to(echo, path)) == 4  # three of the greedy account's and the neighbour's
    # Another account behind the same address has its own budget, untouched.
    assert neighbour.status_code == 200, neighbour.text
    assert limit_headers(neighbour)[:2] == ("3", "2")


async def test_without_a_valid_token_the_client_address_is_limited(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, token = await auth_service.new_account()

    def from_address(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": address}

    # Behind a proxy on loopback that names the client, as the ingress does.
    async with gateways(auth_service, echo, trusted_proxies="127.0.0.0/8") as [gateway]:
        async with client(gateway) as http:
            first = from_address("198.51.100.1")
            public = [await http.get("/.well-known/jwks.json", headers=first) for _ in range(3)]
            no_token = await http.get("/v1/contacts", headers=first)
            bad_token = await http.get(
                "/v1/contacts", headers={**first, "Authorization": "Bearer not-a-token"}
            )
            with_token = await http.get("/v1/contacts", headers={**first, **bearer(token)})

            second = from_address("198.51.100.2")
            failing = [await http.get("/v1/contacts", headers=second) for _ in range(4)]

    assert [r.status_code for r in public] == [200, 200, 200]
    assert [limit_headers(r)[1] for r in public] == ["2", "1", "0"]
    assert_rate_limited(no_token, retry_after=20)
    assert_rate_limited(bad_token, retry_after=20)
    # A verified token is counted against its account, not against the address.
    assert with_token.status_code == 200, with_token.text
    assert limit_headers(with_token)[1] == "2"

    # Failing tokens are counted too, and their 401s say how many are left; each address
    # has a budget of its own.
    assert [r.status_code for r in failing] == [401, 401, 401, 429]
    assert [limit_headers(r)[1] for r in failing[:3]] == ["2", "1", "0"]
    assert_rate_limited(failing[3], retry_after=20)


async def test_the_gateways_own_refusals_carry_the_headers_too(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, token = await auth_service.new_account()
    async with (
        gateways(auth_service, echo, billing_url=DEAD_URL) as [gateway],
        client(gateway) as http,
    ):
        down = await http.get("/v1/billing/balance", headers=bearer(token))

    assert_problem(down, 503, "service_unavailable")
    assert limit_headers(down)[:2] == ("3", "2")


async def test_health_readiness_and_docs_are_never_limited(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    async with gateways(auth_service, echo) as [gateway], client(gateway) as http:
        used_up = [await http.get("/.well-known/jwks.json") for _ in range(4)]
        own = [
            await http.get(path)
            for path in ("/healthz", "/readyz", "/docs", "/openapi.json")
            for _ in range(4)
        ]

    assert used_up[-1].status_code == 429
    assert [r.status_code for r in own] == [200] * len(own)
    for response in own:
        assert not set(RATE_LIMIT_HEADERS) & set(response.headers), response.url


async def test_an_accounts_own_limit_overrides_the_default(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    unlimited_id, unlimited = await auth_service.new_account()
    faster_id, faster = await auth_service.new_account()
    overrides = {str(unlimited_id): 0, str(faster_id): 6 / 60}  # 3 at once, one every 10 s
    async with (
        gateways(auth_service, echo, rate_limit_overrides=overrides) as [gateway],
        client(gateway) as http,
    ):
        free = [await http.get("/v1/contacts", headers=bearer(unlimited)) for _ in range(5)]
        limited = [await http.get("/v1/contacts", headers=bearer(faster)) for _ in range(4)]

    assert [r.status_code for r in free] == [200] * 5
    assert not set(RATE_LIMIT_HEADERS) & set(free[-1].headers)
    assert [r.status_code for r in limited] == [200, 200, 200, 429]
    assert_rate_limited(limited[3], retry_after=10)


async def test_limits_off_count_nothing_but_an_accounts_own_limit(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, anyone = await auth_service.new_account()
    limited_id, limited = await auth_service.new_account()
    async with (
        gateways(
            auth_service,
            echo,
            rate_limit_per_second=0,
            rate_limit_overrides={str(limited_id): 3 / 60},
        ) as [gateway],
        client(gateway) as http,
    ):
        free = [await http.get("/v1/contacts", headers=bearer(anyone)) for _ in range(5)]
        free += [await http.get("/.well-known/jwks.json") for _ in range(5)]
        capped = [await http.get("/v1/contacts", headers=bearer(limited)) for _ in range(4)]

    assert [r.status_code for r in free] == [200] * 10
    for response in free:
        assert not set(RATE_LIMIT_HEADERS) & set(response.headers)
    assert [r.status_code for r in capped] == [200, 200, 200, 429]
    assert_rate_limited(capped[3], retry_after=20)


async def new_key(auth_service: AuthClient, token: str) -> str:
    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        created = await auth.post(
            "/v1/api-keys", json={"name": "limited", "scopes": ["*"]}, headers=bearer(token)
        )
    assert created.status_code == 201, created.text
    secret: str = created.json()["secret"]
    return secret


async def published(
    auth_service: AuthClient, echo: tuple[FastAPI, str], broker: str, *secrets: str
) -> None:
    """Until auth has published the keys (bounded), as an unlimited gateway sees them."""
    async with (
        gateways(auth_service, echo, kafka_bootstrap_servers=broker, rate_limit_per_second=0) as [
            gateway
        ],
        client(gateway) as http,
        asyncio.timeout(30),
    ):
        for secret in secrets:
            while (await http.get("/v1/contacts", headers=bearer(secret))).status_code != 200:
                await asyncio.sleep(0.1)


async def ready(http: httpx.AsyncClient) -> None:
    """Until the gateway has read the keys (bounded): keys made before it started."""
    async with asyncio.timeout(30):
        while (await http.get("/readyz")).status_code != 200:
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("redis_url", [None, REDIS_URL], ids=["memory", "redis"])
async def test_an_api_key_is_limited_besides_its_account(
    auth_service: AuthClient, echo: tuple[FastAPI, str], broker: str, redis_url: str | None
) -> None:
    _, token = await auth_service.new_account()
    greedy, other = await new_key(auth_service, token), await new_key(auth_service, token)
    await published(auth_service, echo, broker, greedy, other)
    async with (
        gateways(
            auth_service,
            echo,
            kafka_bootstrap_servers=broker,
            redis_url=redis_url,
            rate_limit_key_prefix=key_prefix(),
            # The account: 10 at once; each key: 3 at once, then one every 20 s.
            rate_limit_per_second=10 / 60,
            rate_limit_burst=10,
            api_key_rate_limit_per_second=3 / 60,
            api_key_rate_limit_burst=3,
        ) as [gateway],
        client(gateway) as http,
    ):
        await ready(http)
        burst = [await http.get("/v1/contacts", headers=bearer(greedy)) for _ in range(4)]
        neighbour = await http.get("/v1/contacts", headers=bearer(other))
        person = await http.get("/v1/contacts", headers=bearer(token))

    assert [r.status_code for r in burst] == [200, 200, 200, 429], burst[-1].text
    # The key's budget is the tighter one, so its headers are the ones shown.
    assert [limit_headers(r)[:2] for r in burst[:3]] == [("3", "2"), ("3", "1"), ("3", "0")]
    assert_rate_limited(burst[3], retry_after=20)
    # The account's other key and its people still have the account's budget: the
    # refused request did not spend it (3 + 1 + 1 of 10 used).
    assert neighbour.status_code == 200, neighbour.text
    assert limit_headers(neighbour)[:2] == ("3", "2")
    assert person.status_code == 200, person.text
    assert limit_headers(person)[:2] == ("10", "5")


# --- where the counters live ---------------------------------------------------------


async def test_replicas_share_one_budget_in_redis(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    async with gateways(
        auth_service, echo, count=2, redis_url=REDIS_URL, rate_limit_key_prefix=key_prefix()
    ) as [first, second]:
        async with client(first) as one, client(second) as two:
            answers = [
                await one.get("/v1/contacts", headers=bearer(token)),
                await two.get("/v1/contacts", headers=bearer(token)),
                await one.get("/v1/contacts", headers=bearer(token)),
                await two.get("/v1/contacts", headers=bearer(token)),
                await one.get("/v1/contacts", headers=bearer(token)),
            ]
            neighbour = await two.get("/v1/contacts", headers=bearer(other))

    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert [limit_headers(r)[1] for r in answers[:3]] == ["2", "1", "0"]
    assert_rate_limited(answers[3], retry_after=20)
    assert neighbour.status_code == 200
    assert limit_headers(neighbour)[1] == "2"


async def test_without_redis_each_replica_counts_in_its_own_memory(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, token = await auth_service.new_account()
    async with gateways(auth_service, echo, count=2, redis_url=None) as [first, second]:
        async with client(first) as one, client(second) as two:
            on_first = [await one.get("/v1/contacts", headers=bearer(token)) for _ in range(4)]
            on_second = [await two.get("/v1/contacts", headers=bearer(token)) for _ in range(4)]

    assert [r.status_code for r in on_first] == [200, 200, 200, 429]
    assert [r.status_code for r in on_second] == [200, 200, 200, 429]


async def test_an_unreachable_redis_lets_requests_through_and_says_so_once(
    auth_service: AuthClient, echo: tuple[FastAPI, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, token = await auth_service.new_account()
    async with gateways(auth_service, echo, redis_url=DEAD_REDIS_URL) as [gateway]:
        # create_app reconfigured logging and so dropped caplog's handler: put it back.
        root = logging.getLogger()
        root.addHandler(caplog.handler)
        caplog.set_level(logging.WARNING)
        try:
            async with client(gateway) as http:
                answers = [await http.get("/v1/contacts", headers=bearer(token)) for _ in range(5)]
        finally:
            root.removeHandler(caplog.handler)

    assert [r.status_code for r in answers] == [200] * 5
    warnings = [r for r in caplog.records if "rate limits not enforced" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]


# --- settings and documentation ------------------------------------------------------


async def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = GatewaySettings()
    assert (defaults.rate_limit_per_second, defaults.rate_limit_burst) == (50, 100)
    assert (defaults.rate_limit_overrides, defaults.redis_url) == ({}, None)

    account = uuid.uuid4()
    monkeypatch.setenv("GATEWAY_RATE_LIMIT_PER_SECOND", "0.5")
    monkeypatch.setenv("GATEWAY_RATE_LIMIT_BURST", "10")
    monkeypatch.setenv("GATEWAY_RATE_LIMIT_OVERRIDES", f'{{"{account}": 200}}')
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    settings = GatewaySettings()

    assert (settings.rate_limit_per_second, settings.rate_limit_burst) == (0.5, 10)
    assert settings.rate_limit_overrides == {UUID(str(account)): 200}
    assert settings.redis_url == "redis://redis:6379/0"
    for name, value in [
        ("GATEWAY_RATE_LIMIT_OVERRIDES", '{"not-an-account": 5}'),
        ("GATEWAY_RATE_LIMIT_OVERRIDES", f'{{"{account}": -1}}'),
        ("GATEWAY_RATE_LIMIT_BURST", "0"),
    ]:
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(ValidationError):
                GatewaySettings()


async def test_every_operation_documents_the_429_and_its_headers(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    async with gateways(auth_service, echo) as [gateway], client(gateway) as http:
        spec = (await http.get("/openapi.json")).json()

    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 5
    for path, method, operation in operations:
        limited = operation["responses"]["429"]
        assert set(limited["headers"]) == {
            "Retry-After",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
        }, (method, path)
        schema = limited["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}
    # auth's own words for its login limit stay; the gateway adds the headers.
    login = spec["paths"]["/v1/auth/login"]["post"]["responses"]["429"]
    assert "client address" in login["description"]
    assert "Retry-After" in login["headers"]

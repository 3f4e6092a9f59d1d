"""API keys end to end: created at auth, used through real gateways in front of the real
services (PostgreSQL, the broker), revoked, and refused by every gateway replica."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import jwt
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from auth_service.models import Base
from gateway.main import create_app as gateway_app
from shared.db import create_engine
from tests.support.apps import AuthClient, served_app
from tests.support.databases import Databases
from tests.support.platform import Platform, public_platform

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The promise: a revoked key stops working within 5 s on every replica.
REVOCATION_SECONDS = 5.0
# How long a new gateway or a new key may take to be usable (start-up, topic replay).
WAIT_SECONDS = 30.0
MESSAGE = {"to": "+447700900123", "text": "Hello from a key"}


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    async with public_platform(
        databases, broker, auth_service, kafka_bootstrap_servers=broker
    ) as running:
        await wait_until_ready(running.gateway_url)
        yield running


async def wait_until_ready(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=5) as client:
        async with asyncio.timeout(WAIT_SECONDS):
            while (await client.get("/readyz")).status_code != 200:
                await asyncio.sleep(0.1)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def create_key(
    gateway_url: str, token: str, scopes: list[str], name: str = "integration"
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
        return await client.post(
            "/v1/api-keys", json={"name": name, "scopes": scopes}, headers=bearer(token)
        )


async def new_key(platform: Platform, token: str, scopes: list[str]) -> dict[str, Any]:
    created = await create_key(platform.gateway_url, token, scopes)
    assert created.status_code == 201, created.text
    key: dict[str, Any] = created.json()
    return key


async def until(
    call: Callable[[], Awaitable[httpx.Response]],
    done: Callable[[httpx.Response], bool],
    seconds: float = WAIT_SECONDS,
) -> httpx.Response:
    """Calls until `done` holds, for at most `seconds` (then the test fails)."""
    async with asyncio.timeout(seconds):
        while True:
            response = await call()
            if done(response):
                return response
            await asyncio.sleep(0.05)


def balance_with(client: httpx.AsyncClient, secret: str) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: client.get("/v1/billing/balance", headers=bearer(secret))


async def test_a_key_sends_a_message_and_the_list_never_shows_its_secret(
    platform: Platform,
) -> None:
    account_id, token = await platform.auth.new_account("Keys Ltd")
    created = await create_key(platform.gateway_url, token, ["messages:send", "messages:read"])

    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    key = created.json()
    secret = key["secret"]
    assert secret.startswith("sk_live_")
    assert len(secret) >= len("sk_live_") + 43  # 32 random bytes, base64url
    assert key["prefix"] == secret[:12]
    assert key["scopes"] == ["messages:send", "messages:read"]

    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        sent = await until(
            lambda: client.post("/v1/messages", json=MESSAGE, headers=bearer(secret)),
            lambda response: response.status_code != 401,  # until the gateway heard of it
        )
        assert sent.status_code == 202, sent.text
        message_id = sent.json()["id"]
        # Sent for the key's account: its people see it with their own token.
        seen = await client.get(f"/v1/messages/{message_id}", headers=bearer(token))
        assert seen.status_code == 200
        assert (await client.get(f"/v1/messages/{message_id}", headers=bearer(secret))).is_success

        listed = await client.get("/v1/api-keys", headers=bearer(token))

    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == key["id"]
    assert item["prefix"] == secret[:12]
    assert item["name"] == "integration"
    assert item["scopes"] == ["messages:send", "messages:read"]
    assert item["created_at"]
    assert item["last_used_at"] is not None
    assert "secret" not in item
    assert secret not in listed.text
    assert secret[12:] not in listed.text


async def test_a_revoked_key_is_refused_by_every_gateway_within_five_seconds(
    platform: Platform,
) -> None:
    _, token = await platform.auth.new_account()
    key = await new_key(platform, token, ["billing:read"])
    secret = key["secret"]
    # A second replica, started after the key exists: it learns it by replaying the topic.
    async with served_app(gateway_app(platform.gateway_settings), proxy_headers=False) as other:
        async with (
            httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as first,
            httpx.AsyncClient(base_url=other, timeout=10) as second,
        ):
            for client in (first, second):
                working = await until(balance_with(client, secret), lambda r: r.status_code == 200)
                assert working.json()["currency"]

            revoked = await first.delete(f"/v1/api-keys/{key['id']}", headers=bearer(token))
            assert revoked.status_code == 204

            for client in (first, second):
                refused = await until(
                    balance_with(client, secret),
                    lambda r: r.status_code == 401,
                    seconds=REVOCATION_SECONDS,
                )
                assert refused.json()["code"] == "unauthorized"

            listed = await first.get("/v1/api-keys", headers=bearer(token))
            again = await first.delete(f"/v1/api-keys/{key['id']}", headers=bearer(token))
    assert listed.json()["items"] == []
    assert again.status_code == 404


async def test_a_new_gateway_answers_503_not_401_until_it_has_replayed_the_keys(
    platform: Platform,
) -> None:
    _, token = await platform.auth.new_account()
    secret = (await new_key(platform, token, ["billing:read"]))["secret"]
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        await until(balance_with(client, secret), lambda r: r.status_code == 200)

    statuses = []
    async with served_app(gateway_app(platform.gateway_settings), proxy_headers=False) as other:
        async with httpx.AsyncClient(base_url=other, timeout=10) as client:

            async def record() -> httpx.Response:
                response = await balance_with(client, secret)()
                statuses.append(response.status_code)
                return response

            await until(record, lambda r: r.status_code == 200)
    # Before the replay the key is unknown to it, yet never called invalid.
    assert set(statuses) <= {503, 200}


async def test_scopes_are_enforced_by_route(platform: Platform) -> None:
    _, token = await platform.auth.new_account()
    secret = (await new_key(platform, token, ["messages:read"]))["secret"]
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        listed = await until(
            lambda: client.get("/v1/messages", headers=bearer(secret)),
            lambda r: r.status_code != 401,
        )
        send = await client.post("/v1/messages", json=MESSAGE, headers=bearer(secret))
        batch = await client.post(
            "/v1/messages/batch",
            json={"text": "hi", "to": ["+447700900123"]},
            headers=bearer(secret),
        )
        contacts = await client.get("/v1/contacts", headers=bearer(secret))
        balance = await client.get("/v1/billing/balance", headers=bearer(secret))

    assert listed.status_code == 200
    for refused in (send, batch, contacts, balance):
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "insufficient_scope"
    assert "messages:send" in send.json()["detail"]


async def test_a_key_with_every_scope_still_cannot_manage_keys(platform: Platform) -> None:
    _, token = await platform.auth.new_account()
    key = await new_key(platform, token, ["*"])
    secret = key["secret"]
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        contacts = await until(
            lambda: client.get("/v1/contacts", headers=bearer(secret)),
            lambda r: r.status_code != 401,
        )
        create = await client.post(
            "/v1/api-keys", json={"name": "x", "scopes": ["*"]}, headers=bearer(secret)
        )
        revoke = await client.delete(f"/v1/api-keys/{key['id']}", headers=bearer(secret))
    async with httpx.AsyncClient(base_url=platform.auth.base_url, timeout=10) as auth:
        # Nor with the token auth mints for it, should that ever leave the gateway.
        minted = (await auth.post("/internal/api-keys/token", headers=bearer(secret))).json()
        direct = await auth.get("/v1/api-keys", headers=bearer(minted["access_token"]))

    assert contacts.status_code == 200
    for refused in (create, revoke, direct):
        assert refused.status_code == 403
        assert refused.json()["code"] == "insufficient_scope"


async def test_another_accounts_key_is_404_on_delete_and_keeps_working(
    platform: Platform,
) -> None:
    _, owner = await platform.auth.new_account("Owner")
    _, stranger = await platform.auth.new_account("Stranger")
    key = await new_key(platform, owner, ["billing:read"])
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        deleted = await client.delete(f"/v1/api-keys/{key['id']}", headers=bearer(stranger))
        theirs = await client.get("/v1/api-keys", headers=bearer(stranger))
        ours = await client.get("/v1/api-keys", headers=bearer(owner))
        working = await until(balance_with(client, key["secret"]), lambda r: r.status_code == 200)

    assert deleted.status_code == 404
    assert deleted.json()["code"] == "not_found"
    assert theirs.json()["items"] == []
    assert [item["id"] for item in ours.json()["items"]] == [key["id"]]
    assert working.status_code == 200


async def test_an_unknown_scope_is_422_invalid_scope(platform: Platform) -> None:
    _, token = await platform.auth.new_account()
    refused = await create_key(platform.gateway_url, token, ["messages:send", "messages:delete"])
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        listed = await client.get("/v1/api-keys", headers=bearer(token))

    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_scope"
    assert "messages:delete" in refused.json()["detail"]
    assert listed.json()["items"] == []


async def test_unknown_keys_and_the_internal_endpoint_stay_out(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        unknown = await client.get("/v1/billing/balance", headers=bearer("sk_live_" + "x" * 43))
        internal = await client.post(
            "/internal/api-keys/token", headers=bearer("sk_live_" + "x" * 43)
        )

    assert unknown.status_code == 401
    assert unknown.json()["code"] == "unauthorized"
    assert internal.status_code == 404


async def test_last_use_is_written_at_most_once_a_minute(platform: Platform) -> None:
    _, token = await platform.auth.new_account()
    key = await new_key(platform, token, ["billing:read"])
    async with httpx.AsyncClient(base_url=platform.auth.base_url, timeout=10) as auth:

        async def last_used() -> str | None:
            listed = await auth.get("/v1/api-keys", headers=bearer(token))
            [item] = listed.json()["items"]
            used: str | None = item["last_used_at"]
            return used

        never = await last_used()
        first = await auth.post("/internal/api-keys/token", headers=bearer(key["secret"]))
        after_first = await last_used()
        second = await auth.post("/internal/api-keys/token", headers=bearer(key["secret"]))
        after_second = await last_used()

    assert never is None
    assert first.status_code == second.status_code == 200
    assert after_first is not None
    assert after_second == after_first


async def test_services_get_an_access_token_for_the_key_never_the_key(
    platform: Platform,
) -> None:
    """A stand-in for dispatch records what reaches it."""
    recorder = FastAPI()
    seen: list[str] = []

    @recorder.post("/v1/messages")
    async def record(request: Request) -> JSONResponse:
        seen.append(request.headers["authorization"])
        return JSONResponse({"ok": True}, status_code=202)

    account_id, token = await platform.auth.new_account()
    secret = (await new_key(platform, token, ["messages:send"]))["secret"]
    async with served_app(recorder) as dispatch_url:
        settings = platform.gateway_settings.model_copy(update={"dispatch_url": dispatch_url})
        async with served_app(gateway_app(settings), proxy_headers=False) as gateway_url:
            async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
                for _ in range(2):
                    sent = await until(
                        lambda: client.post("/v1/messages", json=MESSAGE, headers=bearer(secret)),
                        lambda r: r.status_code == 202,
                    )
                    assert sent.json() == {"ok": True}

    assert len(seen) >= 2
    assert all(secret not in header for header in seen)
    assert seen[-1] == seen[-2]  # one token, cached, for both requests
    claims = jwt.decode(seen[-1].removeprefix("Bearer "), options={"verify_signature": False})
    assert claims["account_id"] == str(account_id)
    assert claims["scope"] == "messages:send"
    assert claims["exp"] - claims["iat"] <= 300


async def test_the_public_document_has_the_keys_and_the_scope_refusal(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()

    paths = document["paths"]
    assert {"post", "get"} <= set(paths["/v1/api-keys"])
    assert "delete" in paths["/v1/api-keys/{key_id}"]
    assert not any(path.startswith("/internal") for path in paths)
    assert paths["/v1/messages"]["post"]["responses"]["403"]["description"]
    scopes = document["components"]["schemas"]["ApiKeyCreate"]["properties"]["scopes"]
    assert "messages:send" in scopes["items"]["enum"]


async def test_auth_migrations_match_its_models(databases: Databases) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(await databases.create("auth"))
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()

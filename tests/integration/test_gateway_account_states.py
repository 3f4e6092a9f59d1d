"""Account states enforced by real gateways in front of the real services: the states are
published to `auth.accounts` directly, as auth's outbox relay would (the operators' endpoints
are auth's business and tested there), and every change must show within 5 seconds."""

from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import UUID

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from gateway.main import create_app as gateway_app
from shared.events import AccountState, AccountStateChanged, serialise_event
from tests.integration.test_api_keys import bearer, new_key, until, wait_until_ready
from tests.support.apps import AuthClient, served_app
from tests.support.databases import Databases
from tests.support.inbox import publish
from tests.support.platform import Platform, public_platform

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The promise: the gateway enforces a state change within 5 s of the operator.
ENFORCED_WITHIN_SECONDS = 5.0
MESSAGE = {"to": "+447700900123", "text": "Hello"}


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    async with public_platform(
        databases, broker, auth_service, kafka_bootstrap_servers=broker
    ) as running:
        await wait_until_ready(running.gateway_url)
        yield running


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    kafka = AIOKafkaProducer(bootstrap_servers=broker)
    await kafka.start()
    yield kafka
    await kafka.stop()


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        yield client


async def set_state(
    producer: AIOKafkaProducer, account_id: UUID, state: AccountState, reason: str | None = None
) -> None:
    event = AccountStateChanged(account_id=account_id, state=state, reason=reason)
    # Keyed by the account, as auth's relay publishes it: one partition, in order.
    await publish(
        producer,
        event.topic,
        serialise_event(event),
        event.type,
        key=event.aggregate_id.encode(),
        event_id=event.event_id,
    )


def send(client: httpx.AsyncClient, token: str) -> Callable[[], Awaitable[httpx.Response]]:
    return lambda: client.post("/v1/messages", json=MESSAGE, headers=bearer(token))


async def within_five_seconds(
    call: Callable[[], Awaitable[httpx.Response]], status: int
) -> httpx.Response:
    return await until(call, lambda r: r.status_code == status, ENFORCED_WITHIN_SECONDS)


async def test_a_suspended_account_reads_but_cannot_send_until_reinstated(
    platform: Platform, producer: AIOKafkaProducer, gateway: httpx.AsyncClient
) -> None:
    account_id, token = await platform.auth.new_account("Late Payer")
    _, bystander = await platform.auth.new_account("Pays On Time")
    assert (await send(gateway, token)()).status_code == 202

    await set_state(producer, account_id, "suspended", "unpaid invoice 2026-11")
    refused = await within_five_seconds(send(gateway, token), 403)
    batch = await gateway.post(
        "/v1/messages/batch", json={"text": "hi", "to": ["+447700900123"]}, headers=bearer(token)
    )
    listed = await gateway.get("/v1/messages", headers=bearer(token))
    account = await gateway.get("/v1/account", headers=bearer(token))
    balance = await gateway.get("/v1/billing/balance", headers=bearer(token))
    others = await send(gateway, bystander)()

    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "account_suspended"
    assert "unpaid invoice 2026-11" in refused.json()["detail"]
    assert batch.status_code == 403
    assert batch.json()["code"] == "account_suspended"
    for read in (listed, account, balance):
        assert read.status_code == 200, read.text
    assert others.status_code == 202

    await set_state(producer, account_id, "active")
    await within_five_seconds(send(gateway, token), 202)


async def test_a_blocked_account_sees_only_its_account_and_its_keys_stop_too(
    platform: Platform, producer: AIOKafkaProducer, gateway: httpx.AsyncClient
) -> None:
    account_id, token = await platform.auth.new_account("Spammer")
    _, bystander = await platform.auth.new_account("Honest")
    secret = (await new_key(platform, token, ["*"]))["secret"]
    await until(
        lambda: gateway.get("/v1/contacts", headers=bearer(secret)), lambda r: r.status_code == 200
    )

    await set_state(producer, account_id, "blocked", "phishing reported")
    refused = await within_five_seconds(
        lambda: gateway.get("/v1/messages", headers=bearer(token)), 403
    )
    sending = await send(gateway, token)()
    keys = await gateway.get("/v1/api-keys", headers=bearer(token))
    by_key = await gateway.get("/v1/contacts", headers=bearer(secret))
    account = await gateway.get("/v1/account", headers=bearer(token))
    others = await gateway.get("/v1/messages", headers=bearer(bystander))

    for refusal in (refused, sending, keys, by_key):
        assert refusal.status_code == 403, refusal.text
        assert refusal.json()["code"] == "account_blocked"
        assert "phishing reported" in refusal.json()["detail"]
    assert account.status_code == 200
    assert others.status_code == 200

    await set_state(producer, account_id, "active")
    await within_five_seconds(lambda: gateway.get("/v1/messages", headers=bearer(token)), 200)
    assert (await gateway.get("/v1/contacts", headers=bearer(secret))).status_code == 200


async def test_a_closed_account_is_refused_everything_behind_a_token(
    platform: Platform, producer: AIOKafkaProducer, gateway: httpx.AsyncClient
) -> None:
    account_id, token = await platform.auth.new_account("Leaving")
    await set_state(producer, account_id, "closed")
    refused = await within_five_seconds(
        lambda: gateway.get("/v1/account", headers=bearer(token)), 403
    )
    sending = await send(gateway, token)()

    assert refused.json()["code"] == "account_closed"
    assert sending.json()["code"] == "account_closed"
    # Logging in again reopens it: auth then publishes `active`.
    await set_state(producer, account_id, "active")
    await within_five_seconds(lambda: gateway.get("/v1/account", headers=bearer(token)), 200)


async def test_a_gateway_started_later_replays_the_states_before_it_is_ready(
    platform: Platform, producer: AIOKafkaProducer
) -> None:
    account_id, token = await platform.auth.new_account("Blocked Before")
    await set_state(producer, account_id, "suspended", "first")
    await set_state(producer, account_id, "active")
    await set_state(producer, account_id, "blocked", "latest")
    async with served_app(gateway_app(platform.gateway_settings), proxy_headers=False) as other:
        await wait_until_ready(other)
        async with httpx.AsyncClient(base_url=other, timeout=10) as client:
            refused = await client.get("/v1/messages", headers=bearer(token))

    assert refused.status_code == 403
    assert refused.json()["code"] == "account_blocked"
    assert "latest" in refused.json()["detail"]


async def test_the_public_document_names_the_account_refusals(
    gateway: httpx.AsyncClient,
) -> None:
    paths = (await gateway.get("/openapi.json", timeout=30)).json()["paths"]

    send_doc = paths["/v1/messages"]["post"]["responses"]["403"]["description"]
    account_doc = paths["/v1/account"]["get"]["responses"]["403"]["description"]
    assert all(f"account_{s}" in send_doc for s in ("suspended", "blocked", "closed"))
    assert "account_closed" in account_doc
    assert "account_blocked" not in account_doc

"""Account states at dispatch's intake, against the real dispatch app, PostgreSQL and the
broker: auth's `account.state_changed` events (published here directly, as auth would) stop
a suspended, blocked or closed account's sends within seconds, and nothing is stored."""

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from dispatch_service.accounts.models import AccountStateRow
from dispatch_service.accounts.service import AccountStates
from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from dispatch_service.models import Inbox
from shared.events import AccountState, AccountStateChanged, serialise_event
from shared.kafka import new_producer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import fetched

pytestmark = pytest.mark.asyncio(loop_scope="session")

# What the platform promises: an operator's change is enforced within 5 seconds.
ENFORCED_WITHIN_SECONDS = 5
WAIT_SECONDS = 30


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient
    producer: AIOKafkaProducer

    async def send(self, token: str) -> httpx.Response:
        return await self.client.post(
            "/v1/messages",
            json={"to": "+447700900123", "text": "Hi"},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def batch(self, token: str) -> httpx.Response:
        return await self.client.post(
            "/v1/messages/batch",
            json={"text": "Hi", "to": ["+447700900401", "+447700900402"]},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def stored(self, token: str) -> int:
        response = await self.client.get(
            "/v1/messages", params={"limit": 200}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    async def publish(self, event: AccountStateChanged) -> None:
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],
        )

    async def wait_handled(self, event: AccountStateChanged) -> None:
        """Until dispatch's inbox holds the event: its effect is committed with it."""
        settings = self.app.state.runtime.settings
        statement = select(Inbox.event_id).where(
            Inbox.consumer == settings.consumer_group, Inbox.event_id == event.event_id
        )
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                async with self.app.state.runtime.sessionmaker() as session:
                    if await session.scalar(statement) is not None:
                        return
                await asyncio.sleep(0.1)

    async def stored_state(self, account_id: UUID) -> tuple[str, str | None] | None:
        async with self.app.state.runtime.sessionmaker() as session:
            row = await session.get(AccountStateRow, account_id)
            return None if row is None else (row.state, row.reason)

    async def wait_reloaded(self, token: str) -> None:
        """Until the process's states were loaded after this call began, so that they show
        what is stored now; sends with `token` (of a refused account: they store nothing)
        load them whenever they are older than the interval."""
        since = time.monotonic()
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                assert (await self.send(token)).status_code == 403
                states: AccountStates | None = getattr(self.app.state, "account_states", None)
                loaded_at = None if states is None else states.refused.loaded_at
                if loaded_at is not None and loaded_at > since:
                    return
                await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-states-{uuid4().hex[:8]}",
        # The default refresh interval: what production enforces within.
    )
    app = create_app(settings)
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(app) as client:
            yield Dispatch(app, client, producer)
    finally:
        await producer.stop()


def changed(account_id: UUID, state: AccountState, reason: str | None = None) -> Any:
    return AccountStateChanged(account_id=account_id, state=state, reason=reason)


@dataclass
class Until:
    response: httpx.Response
    # The sends accepted while the change was on its way: they are stored.
    accepted_before: int


async def until_status(send: Any, status: int) -> Until:
    """Send until the answer has this status, within the platform's promise."""
    accepted = 0
    async with asyncio.timeout(ENFORCED_WITHIN_SECONDS):
        while True:
            response: httpx.Response = await send()
            if response.status_code == status:
                return Until(response, accepted)
            assert response.status_code in (202, 403), response.text
            accepted += response.status_code == 202
            await asyncio.sleep(0.1)


def assert_refused(response: httpx.Response, code: str, reason: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert reason in problem["detail"]


async def test_a_suspended_account_may_not_send_until_reinstated(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    assert (await dispatch.send(token)).status_code == 202

    await dispatch.publish(changed(account_id, "suspended", "unpaid invoice 2026-11"))
    refused = await until_status(lambda: dispatch.send(token), 403)
    assert_refused(refused.response, "account_suspended", "unpaid invoice 2026-11")
    assert_refused(await dispatch.batch(token), "account_suspended", "unpaid invoice 2026-11")
    # Nothing of the refused requests is stored, and reading still works.
    sent = 1 + refused.accepted_before
    assert await dispatch.stored(token) == sent
    # Other accounts send as before.
    assert (await dispatch.send(other)).status_code == 202
    assert (await dispatch.batch(other)).status_code == 202

    await dispatch.publish(changed(account_id, "active"))
    await until_status(lambda: dispatch.send(token), 202)
    assert (await dispatch.batch(token)).status_code == 202
    assert await dispatch.stored(token) == sent + 3


@pytest.mark.parametrize(
    ("state", "code"), [("blocked", "account_blocked"), ("closed", "account_closed")]
)
async def test_blocked_and_closed_accounts_may_not_send(
    dispatch: Dispatch, auth_service: AuthClient, state: AccountState, code: str
) -> None:
    account_id, token = await auth_service.new_account()
    await dispatch.publish(changed(account_id, state, f"{state} for a reason"))
    refused = await until_status(lambda: dispatch.send(token), 403)
    assert_refused(refused.response, code, f"{state} for a reason")
    assert_refused(await dispatch.batch(token), code, f"{state} for a reason")
    # Dispatch refuses no reads (the gateway decides who may read); nothing refused is stored.
    assert await dispatch.stored(token) == refused.accepted_before


async def test_a_refusal_without_a_reason_still_says_what_the_state_is(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    await dispatch.publish(changed(account_id, "suspended"))
    refused = await until_status(lambda: dispatch.send(token), 403)
    assert_refused(refused.response, "account_suspended", "suspended")


async def test_an_older_event_replayed_after_a_newer_one_changes_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    suspended = changed(account_id, "suspended", "unpaid")
    await dispatch.publish(suspended)
    stored = (await until_status(lambda: dispatch.send(token), 403)).accepted_before

    older = AccountStateChanged(
        account_id=account_id, state="active", occurred_at=suspended.occurred_at - timedelta(1)
    )
    await dispatch.publish(older)
    await dispatch.wait_handled(older)
    assert await dispatch.stored_state(account_id) == ("suspended", "unpaid")
    await dispatch.wait_reloaded(token)
    assert_refused(await dispatch.send(token), "account_suspended", "unpaid")
    assert await dispatch.stored(token) == stored


async def test_a_burst_fetched_in_one_batch_keeps_each_accounts_latest_state(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    (first, first_token), (second, second_token) = [
        await auth_service.new_account() for _ in range(2)
    ]
    base = changed(first, "active").occurred_at
    events = [
        AccountStateChanged(account_id=first, state="suspended", occurred_at=base),
        AccountStateChanged(account_id=second, state="blocked", occurred_at=base),
        AccountStateChanged(account_id=first, state="closed", occurred_at=base + timedelta(1)),
        # Older than the closing, though fetched after it: a replay.
        AccountStateChanged(account_id=first, state="active", occurred_at=base),
    ]
    (consumer,) = dispatch.app.state.runtime.consumers
    await consumer.process(fetched(*events))

    assert await dispatch.stored_state(first) == ("closed", None)
    assert await dispatch.stored_state(second) == ("blocked", None)
    # Both rows were committed together: the first refusal is already the final state.
    assert_refused(
        (await until_status(lambda: dispatch.send(first_token), 403)).response,
        "account_closed",
        "closed",
    )
    assert_refused(await dispatch.send(second_token), "account_blocked", "blocked")


async def test_the_refusals_are_documented_on_both_intake_operations(dispatch: Dispatch) -> None:
    paths = (await dispatch.client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/messages", "/v1/messages/batch"):
        refused = paths[path]["post"]["responses"]["403"]
        assert "application/problem+json" in refused["content"]
        for code in ("account_suspended", "account_blocked", "account_closed"):
            assert code in refused["description"]

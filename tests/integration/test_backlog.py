"""Backpressure on intake against the real dispatch app, PostgreSQL and the broker: past
the backlog limits (parts accepted but not yet sent) sends get 429 with Retry-After and
nothing is stored. No billing runs here, so every accepted part stays `pending`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from dispatch_service.messages.models import MessagePart
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

PER_ACCOUNT, TOTAL, RETRY_AFTER = 3, 5, 7
LONG_TEXT = "x" * 200  # two parts


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient

    async def send(self, token: str, text: str = "Hi") -> httpx.Response:
        return await self.client.post(
            "/v1/messages",
            json={"to": "+447700900123", "text": text},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def batch(self, token: str, count: int) -> httpx.Response:
        body = {"text": "Hi", "to": [f"+4477009004{i:02d}" for i in range(count)]}
        return await self.client.post(
            "/v1/messages/batch", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    async def stored(self, token: str) -> int:
        response = await self.client.get(
            "/v1/messages", params={"limit": 200}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    async def set_waiting_parts(self, status: str) -> None:
        """Moves every waiting part on, as billing and the SMPP worker would."""
        async with self.app.state.runtime.sessionmaker.begin() as session:
            await session.execute(
                update(MessagePart)
                .where(MessagePart.status.in_(["pending", "queued"]))
                .values(status=status)
            )


@asynccontextmanager
async def dispatch_app(
    databases: Databases, broker: str, auth_service: AuthClient, **settings: Any
) -> AsyncIterator[Dispatch]:
    app = create_app(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
            **{
                "consumer_group": f"dispatch-backlog-{uuid4().hex[:8]}",
                "max_backlog_per_account": PER_ACCOUNT,
                "max_backlog": TOTAL,
                "backlog_retry_after_seconds": RETRY_AFTER,
                **settings,
            },
        )
    )
    async with running_app(app) as client:
        yield Dispatch(app, client)


@pytest.fixture(scope="module")
async def module_dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    # Counted on every request, so a drained backlog shows at once.
    async with dispatch_app(databases, broker, auth_service, backlog_refresh_seconds=0) as app:
        yield app


@pytest.fixture
async def dispatch(module_dispatch: Dispatch) -> Dispatch:
    # The total limit is shared: each test starts with an empty backlog.
    await module_dispatch.set_waiting_parts("sent")
    return module_dispatch


def assert_backlog_full(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == str(RETRY_AFTER)
    problem = response.json()
    assert problem["code"] == "backlog_full"
    assert limit in problem["detail"]


async def test_sends_past_the_account_limit_are_refused_and_store_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    for _ in range(2):
        assert (await dispatch.send(token)).status_code == 202
    # Parts count, not messages: two waiting plus two would pass three.
    assert_backlog_full(await dispatch.send(token, LONG_TEXT), "this account's")
    assert (await dispatch.send(token)).status_code == 202
    assert_backlog_full(await dispatch.send(token), "this account's")
    assert await dispatch.stored(token) == 3

    assert (await dispatch.send(other)).status_code == 202
    assert await dispatch.stored(other) == 1


async def test_the_total_limit_applies_across_accounts(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    tokens = [(await auth_service.new_account())[1] for _ in range(3)]
    for _ in range(3):
        assert (await dispatch.send(tokens[0])).status_code == 202
    for _ in range(2):
        assert (await dispatch.send(tokens[1])).status_code == 202

    assert_backlog_full(await dispatch.send(tokens[2]), "total")
    assert_backlog_full(await dispatch.batch(tokens[2], 1), "total")
    assert await dispatch.stored(tokens[2]) == 0


async def test_a_batch_that_would_pass_the_limit_is_refused_whole(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    assert (await dispatch.send(token)).status_code == 202

    assert_backlog_full(await dispatch.batch(token, 3), "this account's")
    assert await dispatch.stored(token) == 1

    response = await dispatch.batch(token, 2)
    assert response.status_code == 202, response.text
    assert await dispatch.stored(token) == 3


async def test_sends_are_accepted_again_once_the_backlog_is_sent(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    for _ in range(3):
        assert (await dispatch.send(token)).status_code == 202
    assert_backlog_full(await dispatch.send(token), "this account's")

    # Paid for and waiting for the SMPP worker: still not sent.
    await dispatch.set_waiting_parts("queued")
    assert_backlog_full(await dispatch.send(token), "this account's")

    await dispatch.set_waiting_parts("sent")
    assert (await dispatch.send(token)).status_code == 202
    assert await dispatch.stored(token) == 4


async def test_a_retry_of_an_accepted_message_is_answered_while_full(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"}
    body = {"to": "+447700900123", "text": "Hi"}
    assert (
        await dispatch.client.post("/v1/messages", json=body, headers=headers)
    ).status_code == 202
    for _ in range(2):
        assert (await dispatch.send(token)).status_code == 202

    assert_backlog_full(await dispatch.send(token), "this account's")

    replay = await dispatch.client.post("/v1/messages", json=body, headers=headers)
    assert replay.status_code == 200, replay.text
    assert await dispatch.stored(token) == 3


async def test_between_counts_a_process_adds_what_it_accepted_itself(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    # Counted once, on the first send: the limit must hold on what this process let in.
    # The total limit off: on SQLite the run's dispatch databases share one file, and other
    # tests' waiting parts would count against it.
    async with dispatch_app(
        databases, broker, auth_service, backlog_refresh_seconds=3600, max_backlog=None
    ) as dispatch:
        _, token = await auth_service.new_account()
        for _ in range(3):
            assert (await dispatch.send(token)).status_code == 202
        assert_backlog_full(await dispatch.send(token), "this account's")
        assert_backlog_full(await dispatch.batch(token, 1), "this account's")
        assert await dispatch.stored(token) == 3


async def test_both_intake_operations_document_the_429(dispatch: Dispatch) -> None:
    paths = (await dispatch.client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/messages", "/v1/messages/batch"):
        documented = paths[path]["post"]["responses"]["429"]
        assert "application/problem+json" in documented["content"]
        assert "Retry-After" in documented["headers"]

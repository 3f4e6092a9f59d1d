"""Trial accounts at dispatch's intake, against the real dispatch app, auth's real tokens
(re-signed with auth's own key to carry the `trial` claim, as auth issues them under the
`verified` sign-up policy) and PostgreSQL: test destinations only, a few messages a day,
counted without overshoot, and nothing of a refused request stored or counted."""

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from dispatch_service.trial.models import TrialUsage
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

DAILY = 3
TEST_RANGES = "+4477009001,+4915550"
ALLOWED = ["+447700900101", "+447700900102", "+447700900103", "+4915550123456"]
ELSEWHERE = "+447700900201"


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient

    async def send(
        self, token: str, to: str = ALLOWED[0], idempotency_key: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/v1/messages", json={"to": to, "text": "Hi"}, headers=_headers(token, idempotency_key)
        )

    async def batch(
        self, token: str, to: list[str], idempotency_key: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/v1/messages/batch",
            json={"text": "Hi", "to": to},
            headers=_headers(token, idempotency_key),
        )

    async def stored(self, token: str) -> int:
        response = await self.client.get(
            "/v1/messages", params={"limit": 200}, headers=_headers(token)
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    async def usage_rows(self) -> int:
        async with self.app.state.runtime.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(TrialUsage)) or 0)

    async def pass_midnight(self, account_id: UUID) -> None:
        """As if the account's sends so far had been on the previous UTC day."""
        async with self.app.state.runtime.sessionmaker.begin() as session:
            await session.execute(
                update(TrialUsage)
                .where(TrialUsage.account_id == account_id)
                .values(day=TrialUsage.day - timedelta(days=1))
            )


def _headers(token: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def on_trial(auth_service: AuthClient, token: str) -> str:
    """The same access token with `"trial": true`, signed by auth's key as auth would."""
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    key = auth_service.signing_key_file.read_bytes()
    return jwt.encode({**claims, "trial": True}, key, "RS256", headers={"kid": kid})


async def trial_account(auth_service: AuthClient) -> tuple[UUID, str]:
    account_id, token = await auth_service.new_account()
    return account_id, on_trial(auth_service, token)


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
            consumer_group=f"dispatch-trial-{uuid4().hex[:8]}",
            **settings,
        )
    )
    async with running_app(app) as client:
        yield Dispatch(app, client)


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    async with dispatch_app(
        databases,
        broker,
        auth_service,
        trial_daily_messages=DAILY,
        trial_destinations=TEST_RANGES,
        # No backlog limit: what is refused here is the trial's doing.
        max_backlog=None,
        max_backlog_per_account=None,
    ) as app:
        yield app


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    return problem


def seconds_to_midnight(now: datetime) -> int:
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return math.ceil((midnight - now).total_seconds())


async def assert_daily_limit(send: Any) -> None:
    before = datetime.now(UTC)
    response = await send()
    after = datetime.now(UTC)
    problem = assert_problem(response, 429, "trial_daily_limit")
    assert "trial" in problem["detail"]
    assert str(DAILY) in problem["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert seconds_to_midnight(after) <= retry_after <= seconds_to_midnight(before)


async def test_a_trial_account_sends_only_to_the_test_ranges(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await trial_account(auth_service)

    problem = assert_problem(
        await dispatch.send(token, to=ELSEWHERE), 403, "trial_destination_not_allowed"
    )
    assert "trial" in problem["detail"]
    assert "+4477009001" in problem["detail"]
    assert "+4915550" in problem["detail"]
    assert problem["allowed_prefixes"] == ["+4477009001", "+4915550"]
    # One number outside the ranges refuses the whole batch.
    assert_problem(
        await dispatch.batch(token, [ALLOWED[0], ELSEWHERE]), 403, "trial_destination_not_allowed"
    )
    assert await dispatch.stored(token) == 0

    assert (await dispatch.send(token, to=ALLOWED[3])).status_code == 202
    assert (await dispatch.batch(token, ALLOWED[:2])).status_code == 202
    assert await dispatch.stored(token) == 3


async def test_a_trial_account_sends_its_daily_messages_and_no_more_until_midnight(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await trial_account(auth_service)
    _, other = await trial_account(auth_service)
    for to in ALLOWED[:DAILY]:
        assert (await dispatch.send(token, to=to)).status_code == 202

    await assert_daily_limit(lambda: dispatch.send(token))
    await assert_daily_limit(lambda: dispatch.batch(token, ALLOWED[:1]))
    assert await dispatch.stored(token) == DAILY
    # The cap is the account's own.
    assert (await dispatch.send(other)).status_code == 202

    await dispatch.pass_midnight(account_id)
    assert (await dispatch.send(token)).status_code == 202
    assert await dispatch.stored(token) == DAILY + 1


async def test_a_batch_counts_each_recipient_and_is_refused_whole(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await trial_account(auth_service)
    assert (await dispatch.batch(token, ALLOWED[:2])).status_code == 202

    # Two more would make four: refused whole, and it counts nothing.
    await assert_daily_limit(lambda: dispatch.batch(token, ALLOWED[2:4]))
    assert await dispatch.stored(token) == 2
    assert (await dispatch.send(token)).status_code == 202
    await assert_daily_limit(lambda: dispatch.send(token))
    assert await dispatch.stored(token) == DAILY


async def test_concurrent_requests_for_the_last_message_of_the_day_one_wins(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await trial_account(auth_service)
    for to in ALLOWED[: DAILY - 1]:
        assert (await dispatch.send(token, to=to)).status_code == 202

    answers = await asyncio.gather(*(dispatch.send(token) for _ in range(8)))

    assert sorted(answer.status_code for answer in answers) == [202] + [429] * 7
    assert await dispatch.stored(token) == DAILY


async def test_a_replay_counts_nothing_and_is_answered_after_the_cap(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await trial_account(auth_service)
    first = await dispatch.send(token, idempotency_key="once")
    batch = await dispatch.batch(token, ALLOWED[:1], idempotency_key="twice")
    assert (first.status_code, batch.status_code) == (202, 202)

    # Replayed before the cap: the day's third message is still free.
    assert (await dispatch.send(token, idempotency_key="once")).status_code == 200
    assert (await dispatch.batch(token, ALLOWED[:1], idempotency_key="twice")).status_code == 200
    assert (await dispatch.send(token)).status_code == 202

    # And after it: still answered as the replays they are.
    replay = await dispatch.send(token, idempotency_key="once")
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    replayed_batch = await dispatch.batch(token, ALLOWED[:1], idempotency_key="twice")
    assert replayed_batch.status_code == 200
    assert replayed_batch.json()["batch_id"] == batch.json()["batch_id"]
    await assert_daily_limit(lambda: dispatch.send(token, idempotency_key="new"))
    assert await dispatch.stored(token) == DAILY


async def test_an_account_not_on_trial_is_not_capped(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    rows = await dispatch.usage_rows()

    for _ in range(DAILY + 1):
        assert (await dispatch.send(token, to=ELSEWHERE)).status_code == 202
    assert (await dispatch.batch(token, [ELSEWHERE, *ALLOWED])).status_code == 202

    assert await dispatch.stored(token) == DAILY + 1 + 1 + len(ALLOWED)
    assert await dispatch.usage_rows() == rows  # nothing counted for it


async def test_without_test_ranges_a_trial_account_sends_nowhere(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    _, token = await trial_account(auth_service)
    async with dispatch_app(databases, broker, auth_service) as dispatch:
        problem = assert_problem(await dispatch.send(token), 403, "trial_destination_not_allowed")
        assert "no test destinations are configured" in problem["detail"]
        assert problem["allowed_prefixes"] == []
        assert await dispatch.stored(token) == 0


async def test_both_refusals_are_documented_on_both_intake_operations(
    dispatch: Dispatch,
) -> None:
    paths = dispatch.app.openapi()["paths"]
    for path in ("/v1/messages", "/v1/messages/batch"):
        responses = paths[path]["post"]["responses"]
        assert "trial_destination_not_allowed" in responses["403"]["description"]
        assert "account_suspended" in responses["403"]["description"]
        assert "trial_daily_limit" in responses["429"]["description"]
        assert "backlog_full" in responses["429"]["description"]
        assert "Retry-After" in responses["429"]["headers"]

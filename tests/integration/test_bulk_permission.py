"""Mass-mailing permission (R10) against PostgreSQL and the real auth: a batch with more
recipients than the threshold is refused until an operator enables mass mailing for the
account, and the refusal stores nothing."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from tests.integration.test_senders import Dispatch, assert_problem, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

THRESHOLD = 5


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    app = create_app(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
            consumer_group=f"dispatch-bulk-{uuid4().hex[:8]}",
            sender_approval_required=False,
            bulk_recipients_threshold=THRESHOLD,
        )
    )
    async with running_app(app) as client:
        yield Dispatch(app, client)


@pytest.fixture
async def ops(auth_service: AuthClient) -> str:
    _, token = await auth_service.new_account("Platform operators")
    return token_as(auth_service, token, "ops")


def _recipients(count: int) -> list[str]:
    return [f"+4477009{i:05d}" for i in range(count)]


async def _batch(dispatch: Dispatch, token: str, **body: Any) -> httpx.Response:
    return await dispatch.call("POST", "/v1/messages/batch", token, body)


async def _permit(
    dispatch: Dispatch, ops: str, account_id: str, enabled: bool, note: str | None = None
) -> httpx.Response:
    body = {"enabled": enabled, "note": note}
    return await dispatch.call("PUT", f"/v1/ops/bulk-permissions/{account_id}", ops, body)


async def test_a_batch_past_the_threshold_is_refused_and_stores_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    refused = await _batch(dispatch, token, to=_recipients(THRESHOLD + 1), text="Sale!")

    problem = assert_problem(refused, 403, "bulk_not_enabled")
    assert problem["threshold"] == THRESHOLD
    assert f"{THRESHOLD + 1} recipients" in problem["detail"]
    assert await dispatch.stored(token) == []
    # `messages` entries count the same as `to`, valid or not.
    entries = [{"to": number, "text": "Hi"} for number in _recipients(THRESHOLD)]
    entries.append({"to": "not a number", "text": "Hi"})
    assert_problem(await _batch(dispatch, token, messages=entries), 403, "bulk_not_enabled")
    assert await dispatch.stored(token) == []


async def test_a_batch_at_the_threshold_needs_no_permission(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    accepted = await _batch(dispatch, token, to=_recipients(THRESHOLD), text="Hi")

    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["accepted"] == THRESHOLD


async def test_an_operator_enables_then_disables_mass_mailing(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    account_id, token = await auth_service.new_account()
    _, neighbour = await auth_service.new_account()
    shown = await dispatch.call("GET", f"/v1/ops/bulk-permissions/{account_id}", ops)
    assert (shown.status_code, shown.json()["enabled"]) == (200, False)

    enabled = await _permit(dispatch, ops, account_id, True, "contract 2026/114 signed")

    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["enabled"], enabled.json()["note"]) == (True, "contract 2026/114 signed")
    accepted = await _batch(dispatch, token, to=_recipients(THRESHOLD + 1), text="Sale!")
    assert accepted.status_code == 202, accepted.text
    assert len(await dispatch.stored(token)) == THRESHOLD + 1
    # One account's permission is not another's.
    refused = await _batch(dispatch, neighbour, to=_recipients(THRESHOLD + 1), text="Sale!")
    assert_problem(refused, 403, "bulk_not_enabled")

    disabled = await _permit(dispatch, ops, account_id, False, "contract ended")

    assert (disabled.status_code, disabled.json()["enabled"]) == (200, False)
    again = await _batch(dispatch, token, to=_recipients(THRESHOLD + 1), text="More")
    assert_problem(again, 403, "bulk_not_enabled")
    assert len(await dispatch.stored(token)) == THRESHOLD + 1


async def test_a_customer_cannot_enable_its_own_mass_mailing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()

    refused = await _permit(dispatch, token, account_id, True)

    assert refused.status_code == 403, refused.text
    assert_problem(
        await _batch(dispatch, token, to=_recipients(THRESHOLD + 1), text="Hi"),
        403,
        "bulk_not_enabled",
    )

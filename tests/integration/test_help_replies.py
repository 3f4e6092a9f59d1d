"""HELP against the real dispatch app, PostgreSQL and the broker: an inbound SMS dlr marks
as a help request (`inbound.received` with help_requested, published here as dlr does) is
answered with the account's help text, from the number it was sent to, once."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.events import InboundMessageReceived, utcnow
from tests.support.apps import AuthClient
from tests.support.databases import Databases
from tests.support.dispatch_app import Dispatch, running_dispatch

pytestmark = pytest.mark.asyncio(loop_scope="session")

HANDSET, OUR_NUMBER = "+447700900556", "+447700900998"
HELP_TEXT = "Acme alerts: 4 msgs/week. Reply STOP to opt out. help@acme.example"


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    async with running_dispatch(databases, broker, auth_service, "help") as running:
        yield running


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _help(account_id: UUID, **fields: Any) -> InboundMessageReceived:
    return InboundMessageReceived(
        account_id=account_id,
        inbound_id=uuid4(),
        from_number=HANDSET,
        to_number=OUR_NUMBER,
        text="HELP",
        received_at=utcnow(),
        keyword="HELP",
        help_requested=True,
        **fields,
    )


async def _messages(dispatch: Dispatch, token: str) -> list[dict[str, Any]]:
    listed = await dispatch.client.get("/v1/messages", headers=_bearer(token))
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_help_is_answered_once_with_the_accounts_text(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    put = await dispatch.client.put(
        "/v1/keywords/help", json={"text": HELP_TEXT}, headers=_bearer(token)
    )
    assert put.status_code == 200, put.text
    event = _help(account_id)

    await dispatch.applied(event)
    # The broker delivering the same event again: the inbox drops it.
    await dispatch.applied(event)

    (reply,) = await _messages(dispatch, token)
    assert (reply["to"], reply["sender"], reply["text"]) == (HANDSET, OUR_NUMBER, HELP_TEXT)
    assert reply["purpose"] == "transactional"


async def test_no_help_text_no_answer_and_the_text_can_be_removed(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    await dispatch.applied(_help(account_id))
    assert await _messages(dispatch, token) == []
    assert (
        await dispatch.client.get("/v1/keywords/help", headers=_bearer(token))
    ).status_code == 404

    await dispatch.client.put("/v1/keywords/help", json={"text": "Hi"}, headers=_bearer(token))
    removed = await dispatch.client.delete("/v1/keywords/help", headers=_bearer(token))
    assert removed.status_code == 204
    await dispatch.applied(_help(account_id))
    assert await _messages(dispatch, token) == []


async def test_a_help_text_must_be_sendable(dispatch: Dispatch, auth_service: AuthClient) -> None:
    _, token = await auth_service.new_account()
    for text in ("", "   ", "x" * 321, "zero\u200bwidth"):
        refused = await dispatch.client.put(
            "/v1/keywords/help", json={"text": text}, headers=_bearer(token)
        )
        assert refused.status_code == 422, refused.text
    assert (
        await dispatch.client.get("/v1/keywords/help", headers=_bearer(token))
    ).status_code == 404

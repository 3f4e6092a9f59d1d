"""Replies against the real dispatch app, PostgreSQL and the broker: `reply_to` names an
inbound SMS (announced here as dlr does, `inbound.received`) and the message goes to the
handset that wrote, from the number it wrote to; only the owning account may reply."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from shared.events import InboundMessageReceived, utcnow
from tests.support.apps import AuthClient
from tests.support.databases import Databases
from tests.support.dispatch_app import Dispatch, running_dispatch

pytestmark = pytest.mark.asyncio(loop_scope="session")

HANDSET, OUR_NUMBER = "+447700900555", "+447700900999"


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    async with running_dispatch(
        databases, broker, auth_service, "replies", sender_approval_required=True
    ) as running:
        yield running


async def _received(dispatch: Dispatch, account_id: UUID | None) -> InboundMessageReceived:
    event = InboundMessageReceived(
        account_id=account_id,
        inbound_id=uuid4(),
        from_number=HANDSET,
        to_number=OUR_NUMBER,
        text="Is my order ready?",
        received_at=utcnow(),
    )
    await dispatch.applied(event)
    return event


async def _reply(dispatch: Dispatch, token: str, **body: Any) -> httpx.Response:
    return await dispatch.client.post(
        "/v1/messages",
        json={"text": "Yes, ready for pick-up", **body},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_a_reply_goes_to_the_handset_from_the_number_it_wrote_to(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    inbound = await _received(dispatch, account_id)

    reply = await _reply(dispatch, token, reply_to=str(inbound.inbound_id))

    assert reply.status_code == 202, reply.text
    assert (reply.json()["to"], reply.json()["sender"]) == (HANDSET, OUR_NUMBER)


async def test_only_the_owning_account_may_reply(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    _, stranger = await auth_service.new_account()
    owned = await _received(dispatch, account_id)
    unowned = await _received(dispatch, None)  # kept for operators only

    for inbound_id in (owned.inbound_id, unowned.inbound_id, uuid4()):
        refused = await _reply(dispatch, stranger, reply_to=str(inbound_id))
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "reply_to_not_found"


async def test_a_reply_names_neither_recipient_nor_sender(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    inbound = await _received(dispatch, account_id)

    for extra in ({"to": "+447700900111"}, {"sender": "Acme"}):
        refused = await _reply(dispatch, token, reply_to=str(inbound.inbound_id), **extra)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "validation_error"
    assert (await _reply(dispatch, token)).json()["code"] == "validation_error"

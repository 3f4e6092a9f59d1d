"""Replies against the real dispatch app, PostgreSQL and the broker: `reply_to` names an
inbound SMS (announced here as dlr does, `inbound.received`) and the message goes to the
handset that wrote, from the number it wrote to; only the owning account may reply."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from dispatch_service.models import Inbox
from shared.events import InboundMessageReceived, serialise_event, utcnow
from shared.kafka import new_producer
from tests.integration.test_recipient_consent import Dispatch
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

HANDSET, OUR_NUMBER = "+447700900555", "+447700900999"


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-replies-{uuid4().hex[:8]}",
        # As in production: a send names only approved senders; a reply's is the number.
        sender_approval_required=True,
    )
    app = create_app(settings)
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(app) as client:
            yield Dispatch(app, client, producer)
    finally:
        await producer.stop()


async def _received(dispatch: Dispatch, account_id: UUID | None) -> InboundMessageReceived:
    event = InboundMessageReceived(
        account_id=account_id,
        inbound_id=uuid4(),
        from_number=HANDSET,
        to_number=OUR_NUMBER,
        text="Is my order ready?",
        received_at=utcnow(),
    )
    await dispatch.producer.send_and_wait(
        event.topic,
        value=serialise_event(event),
        key=event.aggregate_id.encode(),
        headers=[("event_type", event.type.encode())],
    )
    settings = dispatch.app.state.runtime.settings
    statement = select(Inbox.event_id).where(
        Inbox.consumer == settings.consumer_group, Inbox.event_id == event.event_id
    )
    async with asyncio.timeout(30):
        while True:
            async with dispatch.app.state.runtime.sessionmaker() as session:
                if await session.scalar(statement) is not None:
                    return event
            await asyncio.sleep(0.1)


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

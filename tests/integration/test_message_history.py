"""A part's status history, written by every path that moves a part: intake, billing's
verdict, the SMPP connector's submit responses over real TCP, receipts. Read the way
GET /v1/messages/{id} answers."""

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer
from smpplib import consts
from smpplib.command import Command

from dispatch_service.messages import handlers, service
from dispatch_service.messages.models import Message
from dispatch_service.messages.schemas import MessageDetail
from shared.errors import NotFound
from shared.events import MessagePartFailed, MessagePartStatusReported, parse_event, utcnow
from shared.runtime import ServiceRuntime
from tests.integration.connector_support import (
    connector_settings,
    queue_messages,
    running_connector,
    settled,
    wait_for_parts,
)
from tests.integration.fake_smsc import FakeSmsc, Link
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

LINK = "history-link"


def numbers(count: int) -> list[str]:
    prefix = uuid4().int % 10**5
    return [f"+4478{prefix:05d}{i:03d}" for i in range(count)]


async def detail(runtime: ServiceRuntime, account_id: UUID, message_id: UUID) -> dict[str, Any]:
    async with runtime.sessionmaker() as session:
        message = await service.get_message(session, account_id, message_id)
        return MessageDetail.of(message).model_dump()


async def account_of(runtime: ServiceRuntime, message_id: UUID) -> UUID:
    # queue_messages makes up an account; the message knows it.
    async with runtime.sessionmaker() as session:
        message = await session.get(Message, message_id)
        assert message is not None
        return message.account_id


async def test_a_delivered_part_shows_pending_queued_sent_delivered_in_order(
    databases: Databases, broker: str
) -> None:
    async with FakeSmsc() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_link_name=LINK
        )
        async with running_connector(settings) as (_, runtime, _):
            [message_id] = await queue_messages(runtime, numbers(1))
            parts = await wait_for_parts(runtime, [message_id], lambda p: p.status == "sent")
            account_id = await account_of(runtime, message_id)
            smsc_id = parts[message_id].smsc_message_id
            assert smsc_id is not None
            # dlr's part of the journey, as it reports a matched receipt.
            async with runtime.sessionmaker() as session, session.begin():
                await handlers.on_part_statuses_reported(
                    session,
                    [
                        MessagePartStatusReported(
                            account_id=account_id,
                            message_id=message_id,
                            part_index=1,
                            smsc_message_id=smsc_id,
                            status="delivered",
                            reported_at=utcnow(),
                        )
                    ],
                )
            answer = await detail(runtime, account_id, message_id)

    [part] = answer["parts"]
    assert (part["status"], part["smsc"], part["smsc_message_id"]) == ("delivered", LINK, smsc_id)
    history = part["history"]
    assert [change["status"] for change in history] == ["pending", "queued", "sent", "delivered"]
    assert [change["error_code"] for change in history] == [None, None, None, None]
    times = [change["at"] for change in history]
    assert times == sorted(times)
    assert times[0] == answer["created_at"]
    assert times[1] == answer["queued_at"]
    assert times[2] == part["submitted_at"] == answer["sent_at"]
    assert times[3] == part["done_at"] == answer["done_at"]


async def first_part_failed(broker: str, message_id: UUID) -> MessagePartFailed:
    consumer = AIOKafkaConsumer(
        MessagePartFailed.topic,
        bootstrap_servers=broker,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        event = parse_event(record.value)
                        if isinstance(event, MessagePartFailed) and event.message_id == message_id:
                            return event
    finally:
        await consumer.stop()


async def test_a_submit_the_smsc_refuses_shows_its_error_code(
    databases: Databases, broker: str
) -> None:
    class Refusing(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            self.refuse(link, pdu, consts.SMPP_ESME_RINVDSTADR)

    async with Refusing() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_link_name=LINK
        )
        async with running_connector(settings) as (_, runtime, _):
            [message_id] = await queue_messages(runtime, numbers(1))
            await wait_for_parts(runtime, [message_id], settled)
            account_id = await account_of(runtime, message_id)
            answer = await detail(runtime, account_id, message_id)
            # Tenancy: the detail is the account's alone.
            async with runtime.sessionmaker() as session:
                with pytest.raises(NotFound):
                    await service.get_message(session, uuid4(), message_id)

            # Billing refunds a part that never left: dispatch says so on its topic.
            failed = await first_part_failed(broker, message_id)

    assert (failed.account_id, failed.part_index, failed.error_code) == (
        account_id,
        1,
        "smpp_0x0b",
    )
    [part] = answer["parts"]
    assert (part["status"], part["error_code"], part["smsc"]) == ("failed", "smpp_0x0b", LINK)
    assert [(c["status"], c["error_code"]) for c in part["history"]] == [
        ("pending", None),
        ("queued", None),
        ("failed", "smpp_0x0b"),
    ]

"""deliver_sm PDUs from before an erasure (R17, issue 11 item 5), over real SMPP: MOs and
receipts come from the simulator through dispatch's connector and the broker to dlr; after
dlr erased the number, the same events replayed (dlr's inbox has forgotten them, as after
its retention, or a dead letter is re-driven) bring back neither the number nor a text, and
do not opt the number out again; the person writing after the erasure is new data, kept.
Receipts that matched no message but carry the SMSC id of one of the number's messages
lose their text with the erasure."""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox as DispatchOutbox
from dispatch_service.messages import handlers, service
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.smpp.connector import Connector
from dlr_service.config import DlrSettings
from dlr_service.db import Inbox
from dlr_service.main import create_app as create_dlr
from dlr_service.models import AssignedNumber, InboundMessage, LastSend, ReceiptRecord
from dlr_service.models import Base as DlrBase
from dlr_service.privacy.models import MessageRecipient
from dlr_service.receipts.ids import normalise
from dlr_service.receipts.models import PendingReceipt, PendingReceiptKey, SubmittedPart
from shared.events import (
    ChargeAuthorized,
    DeliverSmReceived,
    Event,
    PrivacyErasureRequested,
    RecipientConsentChanged,
    parse_event,
    utcnow,
)
from shared.kafka import new_consumer, new_producer
from shared.runtime import ServiceRuntime
from smsc_simulator import SimulatorConfig, SmscSimulator
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import eventually, publish_event

pytestmark = pytest.mark.asyncio(loop_scope="session")

_numbers = iter(range(10**6))
LONG_REPLY = "Hello, this is Ada again. " * 8  # two parts


def fresh_number() -> str:
    return f"+4476{next(_numbers):07d}"


@dataclass
class Platform:
    simulator: SmscSimulator
    dispatch: ServiceRuntime
    dispatch_settings: DispatchSettings
    dlr: FastAPI
    producer: AIOKafkaProducer
    reader: "TopicReader"

    @property
    def dlr_runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.dlr.state.runtime
        return runtime

    async def dlr_rows_naming(self, number: str) -> list[str]:
        found = []
        async with self.dlr_runtime.sessionmaker() as session:
            for table in DlrBase.metadata.sorted_tables:
                for row in (await session.execute(select(table))).all():
                    if any(number.removeprefix("+") in str(value) for value in row):
                        found.append(f"{table.name}: {row}")
        return found

    async def erase(self, account_id: UUID, phone: str) -> None:
        event = PrivacyErasureRequested(account_id=account_id, erasure_id=uuid4(), phone=phone)
        await publish_event(self.producer, event.topic, event)
        assert await eventually(lambda: self.handled([event.event_id]))

    async def handled(self, event_ids: list[UUID]) -> bool:
        async with self.dlr_runtime.sessionmaker() as session:
            statement = select(func.count()).where(Inbox.event_id.in_(event_ids))
            return await session.scalar(statement) == len(event_ids)

    async def replay(self, events: list[DeliverSmReceived]) -> None:
        """As the broker gives them again once dlr's inbox has forgotten them."""
        ids = [event.event_id for event in events]
        async with self.dlr_runtime.sessionmaker() as session, session.begin():
            await session.execute(delete(Inbox).where(Inbox.event_id.in_(ids)))
        for event in events:
            await publish_event(self.producer, event.topic, event)
        assert await eventually(lambda: self.handled(ids))

    async def pdus_from(self, number: str, count: int) -> list[DeliverSmReceived]:
        """The deliver_sm events dispatch published for PDUs from the number."""
        source = number.removeprefix("+")

        def found() -> list[DeliverSmReceived]:
            return [
                event
                for event in self.reader.seen
                if isinstance(event, DeliverSmReceived) and event.source_addr == source
            ]

        assert await eventually(lambda: self.reader.until(lambda: len(found()) >= count))
        return found()

    async def opt_outs(self, phone: str) -> int:
        await self.reader.read()
        return sum(
            isinstance(event, RecipientConsentChanged) and event.phone == phone
            for event in self.reader.seen
        )


class TopicReader:
    """Every event on the topics (all partitions), in a consumer group of its own."""

    def __init__(self, broker: str, *topics: str) -> None:
        self.consumer = new_consumer(broker, f"test-replays-{uuid4()}", *topics)
        self.seen: list[Event] = []

    async def read(self) -> None:
        for records in (await self.consumer.getmany(timeout_ms=500)).values():
            self.seen.extend(parse_event(record.value) for record in records)

    async def until(self, done: Callable[[], bool]) -> bool:
        await self.read()
        return done()


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    simulator = SmscSimulator(SimulatorConfig(receipt_delay=0.05))
    await simulator.start()
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        environment="test",
        smpp_host="127.0.0.1",
        smpp_port=simulator.port,
    )
    dispatch = ServiceRuntime(settings=settings, outbox_model=DispatchOutbox)
    await dispatch.start()
    connector = asyncio.create_task(Connector(settings, dispatch).run())
    dlr = create_dlr(
        DlrSettings(
            database_url=await databases.create("dlr"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
        )
    )
    producer = new_producer(broker)
    await producer.start()
    reader = TopicReader(broker, DeliverSmReceived.topic, RecipientConsentChanged.topic)
    await reader.consumer.start()
    try:
        async with running_app(dlr):
            yield Platform(simulator, dispatch, settings, dlr, producer, reader)
    finally:
        await reader.consumer.stop()
        await producer.stop()
        connector.cancel()
        await asyncio.gather(connector, return_exceptions=True)
        await dispatch.stop()
        await simulator.stop()


async def _mo(platform: Platform, source: str, destination: str, text: str, **form: Any) -> None:
    """A handset's SMS, sent by the simulator over SMPP once the connector is bound."""
    async with asyncio.timeout(30):
        while True:
            try:
                await platform.simulator.inject_mo(
                    source.removeprefix("+"), destination.removeprefix("+"), text, **form
                )
                return
            except RuntimeError:  # not bound yet
                await asyncio.sleep(0.1)


async def _inbound_from(platform: Platform, number: str) -> list[InboundMessage]:
    async with platform.dlr_runtime.sessionmaker() as session:
        statement = select(InboundMessage).where(InboundMessage.from_number == number)
        return list((await session.scalars(statement)).all())


async def _owned(platform: Platform, account_id: UUID, handset: str) -> tuple[str, str]:
    """A number assigned to the account, and a sender it wrote to the handset from (an MO
    to it from the handset is a reply, the account's)."""
    assigned, replied_from = fresh_number(), fresh_number()
    now = utcnow()
    async with platform.dlr_runtime.sessionmaker() as session, session.begin():
        session.add(
            AssignedNumber(
                number=assigned, account_id=account_id, kind="long_number", assigned_at=now
            )
        )
        session.add(
            LastSend(
                sender=replied_from, recipient=handset, account_id=account_id, last_sent_at=now
            )
        )
    return assigned, replied_from


async def test_mos_from_before_an_erasure_replayed_do_not_bring_the_number_back(
    platform: Platform,
) -> None:
    account_id, handset = uuid4(), fresh_number()
    assigned, replied_from = await _owned(platform, account_id, handset)
    # A STOP to the account's number, and a long reply to a sender it wrote from.
    await _mo(platform, handset, assigned, "STOP")
    await _mo(platform, handset, replied_from, LONG_REPLY, concatenation="udh8", reference=7)
    assert await eventually(lambda: _count(_inbound_from(platform, handset), 2))
    pdus = await platform.pdus_from(handset, 3)
    assert await eventually(lambda: _count(platform.opt_outs(handset), 1))

    await platform.erase(account_id, handset)
    assert await platform.dlr_rows_naming(handset) == []
    await platform.replay(pdus)

    assert await platform.dlr_rows_naming(handset) == []
    # The STOP is not applied again. The person's next STOP is: its opt-out is published
    # after any the replay made (one key, one partition), so counting up to it sees both.
    # (In other words than the first: the same PDU within minutes is the SMSC's repeat.)
    await _mo(platform, handset, assigned, "Stop")
    assert await eventually(lambda: _at_least(platform.opt_outs(handset), 2))
    assert await platform.opt_outs(handset) == 2


async def test_the_person_writing_again_after_an_erasure_is_kept(platform: Platform) -> None:
    account_id, handset = uuid4(), fresh_number()
    assigned, _ = await _owned(platform, account_id, handset)
    await _mo(platform, handset, assigned, "first words")
    assert await eventually(lambda: _count(_inbound_from(platform, handset), 1))
    await platform.erase(account_id, handset)

    await _mo(platform, handset, assigned, "written after the erasure")

    assert await eventually(lambda: _count(_inbound_from(platform, handset), 1))
    [message] = await _inbound_from(platform, handset)
    assert (message.account_id, message.text) == (account_id, "written after the erasure")


async def test_a_receipt_replayed_after_an_erasure_keeps_its_status_not_its_text(
    platform: Platform,
) -> None:
    account_id, handset = uuid4(), fresh_number()
    message_id = await _send(platform, account_id, handset, "Your code is 1234")
    assert await eventually(lambda: _count(_receipts(platform, message_id), 1))
    # dlr knows whose number the message went to (its digest) before the erasure.
    assert await eventually(lambda: _count(_recipients(platform, message_id), 1))
    [receipt] = await _receipts(platform, message_id)
    assert "Your code" in receipt.raw_text  # the SMSC quotes the message
    [pdu] = await platform.pdus_from(handset, 1)

    await platform.erase(account_id, handset)
    await platform.replay([pdu])

    receipts = await _receipts(platform, message_id)
    assert [(r.status, r.raw_text) for r in receipts] == [("delivered", "[redacted]")] * 2


async def _send(platform: Platform, account_id: UUID, to: str, text: str) -> UUID:
    """Accepted and charged, so the connector submits it; dlr learns of it from dispatch's
    events."""
    async with platform.dispatch.sessionmaker() as session, session.begin():
        request = SendMessageRequest(to=to, text=text)
        message, _ = await service.send_message(
            session, platform.dispatch_settings, account_id, request
        )
        await session.flush()
        await handlers.on_charges_authorized(
            session,
            [
                ChargeAuthorized(
                    account_id=account_id, message_id=message.id, amount="0.05", currency="EUR"
                )
            ],
        )
    return message.id


async def _receipts(platform: Platform, message_id: UUID) -> list[ReceiptRecord]:
    async with platform.dlr_runtime.sessionmaker() as session:
        statement = (
            select(ReceiptRecord)
            .where(ReceiptRecord.message_id == message_id)
            .order_by(ReceiptRecord.received_at)
        )
        return list((await session.scalars(statement)).all())


async def _recipients(platform: Platform, message_id: UUID) -> int:
    async with platform.dlr_runtime.sessionmaker() as session:
        statement = select(func.count()).where(MessageRecipient.message_id == message_id)
        return int(await session.scalar(statement) or 0)


async def _at_least(count: Any, expected: int) -> bool:
    return int(await count) >= expected


async def _count(rows: Any, expected: int) -> bool:
    found = await rows
    return (found if isinstance(found, int) else len(found)) == expected


async def test_an_erasure_redacts_unmatched_receipts_carrying_its_messages_smsc_ids(
    platform: Platform,
) -> None:
    account_id, handset = uuid4(), fresh_number()
    message_id = await _send(platform, account_id, handset, "Your code is 5678")
    assert await eventually(lambda: _count(_recipients(platform, message_id), 1))
    smsc_id = await _smsc_id(platform, message_id)
    # The same id as an SMSC may write it, in receipts that matched nothing (outside the
    # window, or before the part was known), quoting the text and no number.
    quoting = "id:{} stat:DELIVRD err:000 text:Your code is 5678"
    written = "000" + smsc_id.upper()
    unmatched = _unmatched(written, quoting.format(written))
    pending = PendingReceipt(
        smsc="default",
        smsc_message_id=written,
        state="DELIVERED",
        raw_text=quoting.format(written),
        received_at=utcnow(),
    )
    unrelated = _unmatched("ffff" + smsc_id, quoting.format("someone else's"))
    async with platform.dlr_runtime.sessionmaker() as session, session.begin():
        session.add_all([unmatched, pending, unrelated])
        await session.flush()
        session.add(PendingReceiptKey(pending_receipt_id=pending.id, smsc_key=normalise(smsc_id)))

    await platform.erase(account_id, handset)

    async with platform.dlr_runtime.sessionmaker() as session:
        assert (await session.get(ReceiptRecord, unmatched.id)).raw_text == "[redacted]"  # type: ignore[union-attr]
        assert (await session.get(PendingReceipt, pending.id)).raw_text == "[redacted]"  # type: ignore[union-attr]
        kept = await session.get(ReceiptRecord, unrelated.id)
        assert kept is not None
        assert kept.raw_text == quoting.format("someone else's")


def _unmatched(smsc_message_id: str, raw_text: str) -> ReceiptRecord:
    return ReceiptRecord(
        match_status="unmatched",
        smsc="default",
        smsc_message_id=smsc_message_id,
        state="DELIVERED",
        status="delivered",
        intermediate=False,
        raw_text=raw_text,
        received_at=utcnow(),
    )


async def _smsc_id(platform: Platform, message_id: UUID) -> str:
    """The id the SMSC gave the message's part, once dlr has it."""
    statement = select(SubmittedPart.smsc_message_id).where(SubmittedPart.message_id == message_id)
    async with asyncio.timeout(30):
        while True:
            async with platform.dlr_runtime.sessionmaker() as session:
                found: str | None = await session.scalar(statement)
            if found is not None:
                return found
            await asyncio.sleep(0.1)

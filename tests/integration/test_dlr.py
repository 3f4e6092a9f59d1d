"""dlr against PostgreSQL and the broker: receipts in either order, MO messages, duplicates."""

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from dlr_service.config import DlrSettings
from dlr_service.main import create_app
from dlr_service.receipts.ids import candidates
from dlr_service.receipts.repository import ReceiptRepository
from shared.events import (
    AnyEvent,
    DeliverSmReceived,
    Event,
    InboundMessageReceived,
    MessagePartStatusReported,
    MessagePartSubmitted,
    parse_event,
    serialise_event,
)
from shared.kafka import new_consumer, new_producer
from shared.runtime import ServiceRuntime
from tests.support.apps import running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


@pytest.fixture(scope="module")
async def dlr_app(databases: Databases, broker: str) -> AsyncIterator[FastAPI]:
    settings = DlrSettings(
        database_url=await databases.create("dlr"),
        kafka_bootstrap_servers=broker,
        environment="test",
    )
    app = create_app(settings)
    async with running_app(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        yield app


@pytest.fixture
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = new_producer(broker)
    await producer.start()
    yield producer
    await producer.stop()


class Receipts:
    """Reads dlr.receipts in a consumer group of its own."""

    def __init__(self, broker: str) -> None:
        self._consumer = new_consumer(
            broker, f"test-dlr-{uuid4()}", MessagePartStatusReported.topic
        )
        self.seen: list[AnyEvent] = []

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def wait_until(self, done: Callable[[list[AnyEvent]], bool]) -> list[AnyEvent]:
        async with asyncio.timeout(WAIT_SECONDS):
            while not done(self.seen):
                batch = await self._consumer.getmany(timeout_ms=500)
                self.seen += [parse_event(r.value) for rs in batch.values() for r in rs]
        return self.seen

    def statuses(self, message_id: UUID) -> list[MessagePartStatusReported]:
        return [
            event
            for event in self.seen
            if isinstance(event, MessagePartStatusReported) and event.message_id == message_id
        ]


@pytest.fixture
async def receipts(dlr_app: FastAPI, broker: str) -> AsyncIterator[Receipts]:
    reader = Receipts(broker)
    await reader.start()
    yield reader
    await reader.stop()


async def publish(producer: AIOKafkaProducer, event: Event) -> None:
    await producer.send_and_wait(
        event.topic,
        value=serialise_event(event),
        key=event.aggregate_id.encode(),
        headers=[("event_type", event.type.encode())],  # type: ignore[attr-defined]
    )


def smsc_number() -> int:
    """A fresh id per test, so tests sharing the database can't match each other's parts."""
    return random.randrange(10**8, 10**9)


def part_submitted(smsc_message_id: str, part_index: int = 1, **ids: UUID) -> MessagePartSubmitted:
    return MessagePartSubmitted(
        account_id=ids.get("account_id", uuid4()),
        message_id=ids.get("message_id", uuid4()),
        part_index=part_index,
        smsc_message_id=smsc_message_id,
        submitted_at=datetime.now(UTC),
    )


def receipt(
    receipt_id: str, stat: str = "DELIVRD", err: str = "000", source: str = "447700900001"
) -> DeliverSmReceived:
    now = datetime.now(UTC)
    text = (
        f"id:{receipt_id} sub:001 dlvrd:001 submit date:{now:%y%m%d%H%M} "
        f"done date:{now + timedelta(minutes=1):%y%m%d%H%M} stat:{stat} err:{err} text:Hi there"
    )
    return DeliverSmReceived(
        source_addr=source,
        destination_addr="SMSGW",
        esm_class=0x04,
        data_coding=0,
        short_message_hex=text.encode().hex(),
        text=text,
    )


async def test_receipt_after_submit_matches_across_id_forms(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    number = smsc_number()
    submitted = part_submitted(f"{number:012X}", part_index=2)  # hex, upper case, zero padded

    await publish(producer, submitted)
    await publish(producer, receipt(str(number)))  # decimal in the receipt text, no TLVs

    await receipts.wait_until(lambda _: bool(receipts.statuses(submitted.message_id)))
    (report,) = receipts.statuses(submitted.message_id)
    assert report.account_id == submitted.account_id
    assert report.part_index == 2
    assert report.smsc_message_id == submitted.smsc_message_id
    assert report.status == "delivered"
    assert report.error_code == "000"


async def test_receipt_before_submit_is_reported_when_the_part_arrives(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    number = smsc_number()
    submitted = part_submitted(str(number))

    await publish(producer, receipt(f"{number:x}"))
    await wait_for_pending(dlr_app, str(number))
    await publish(producer, submitted)

    await receipts.wait_until(lambda _: bool(receipts.statuses(submitted.message_id)))
    (report,) = receipts.statuses(submitted.message_id)
    assert report.status == "delivered"
    assert await pending_count(dlr_app, str(number)) == 0


async def test_undelivered_receipt_carries_the_error_code(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    submitted = part_submitted(f"msg-{smsc_number()}")

    await publish(producer, submitted)
    await publish(producer, receipt(submitted.smsc_message_id.upper(), stat="UNDELIV", err="034"))

    await receipts.wait_until(lambda _: bool(receipts.statuses(submitted.message_id)))
    (report,) = receipts.statuses(submitted.message_id)
    assert report.status == "undelivered"
    assert report.error_code == "034"


async def test_the_same_receipt_twice_is_reported_once(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    first, second = str(smsc_number()), str(smsc_number())
    part = part_submitted(first, part_index=1)
    ids = {"account_id": part.account_id, "message_id": part.message_id}
    sentinel_part = part_submitted(second, part_index=2, **ids)
    await publish(producer, part)
    await publish(producer, sentinel_part)

    delivered = receipt(first)
    await publish(producer, delivered)
    await publish(producer, delivered)  # redelivered by the transport: same event id
    await publish(producer, receipt(first))  # sent again by the SMSC: a new event
    # Same source address, so the same input partition: dlr handles the sentinel after the
    # duplicates, and its report shares their message's key, so it is read after theirs.
    await publish(producer, receipt(second))

    await receipts.wait_until(
        lambda _: any(r.part_index == 2 for r in receipts.statuses(part.message_id))
    )
    reports = sorted(receipts.statuses(part.message_id), key=lambda r: r.part_index)
    assert [(r.part_index, r.status) for r in reports] == [(1, "delivered"), (2, "delivered")]


async def test_a_non_receipt_is_an_inbound_message(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    text = f"STOP {uuid4()}"
    mo = DeliverSmReceived(
        source_addr="447700900555",
        destination_addr="447700900000",
        esm_class=0x00,
        data_coding=0,
        short_message_hex=text.encode().hex(),
        text=text,
    )

    await publish(producer, mo)

    def arrived(seen: list[AnyEvent]) -> bool:
        return any(isinstance(e, InboundMessageReceived) and e.text == text for e in seen)

    seen = await receipts.wait_until(arrived)
    (inbound,) = [e for e in seen if isinstance(e, InboundMessageReceived) and e.text == text]
    assert inbound.inbound_id == mo.event_id
    assert (inbound.from_number, inbound.to_number) == ("447700900555", "447700900000")
    assert inbound.account_id is None


async def pending_count(app: FastAPI, receipt_id: str) -> int:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.sessionmaker() as session:
        repository = ReceiptRepository(session)
        since = datetime.now(UTC) - timedelta(hours=1)
        return len(await repository.pending_for_key(candidates(receipt_id)[0], since))


async def wait_for_pending(app: FastAPI, receipt_id: str) -> None:
    """Make sure dlr has parked the receipt, so the test really covers the early receipt."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not await pending_count(app, receipt_id):
            await asyncio.sleep(0.1)

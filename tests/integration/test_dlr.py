"""dlr against PostgreSQL and the broker: receipts in either order, MO messages, duplicates,
SMSC links and time windows, ambiguous and stale receipts."""

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import Connection, func, select

from dlr_service.config import DlrSettings
from dlr_service.inbound.models import InboundMessage
from dlr_service.main import create_app
from dlr_service.models import Base
from dlr_service.receipts.ids import candidates, normalise
from dlr_service.receipts.models import ReceiptRecord
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
from tests.support.inbox import fetched

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


@pytest.fixture(scope="module")
async def dlr_app(databases: Databases, broker: str) -> AsyncIterator[FastAPI]:
    settings = DlrSettings(
        database_url=await databases.create("dlr"),
        kafka_bootstrap_servers=broker,
        environment="test",
        # Often, so the sweeping test needn't wait; only day-old pending receipts are swept.
        sweep_interval_seconds=0.2,
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


def part_submitted(
    smsc_message_id: str,
    part_index: int = 1,
    smsc: str = "default",
    submitted_at: datetime | None = None,
    **ids: UUID,
) -> MessagePartSubmitted:
    return MessagePartSubmitted(
        account_id=ids.get("account_id", uuid4()),
        message_id=ids.get("message_id", uuid4()),
        part_index=part_index,
        smsc_message_id=smsc_message_id,
        submitted_at=submitted_at or datetime.now(UTC),
        smsc=smsc,
    )


def receipt(
    receipt_id: str,
    stat: str = "DELIVRD",
    err: str = "000",
    source: str = "447700900001",
    **fields: Any,
) -> DeliverSmReceived:
    now = datetime.now(UTC)
    text = (
        f"id:{receipt_id} sub:001 dlvrd:001 submit date:{now:%y%m%d%H%M} "
        f"done date:{now + timedelta(minutes=1):%y%m%d%H%M} stat:{stat} err:{err} text:Hi there"
    )
    defaults: dict[str, Any] = {
        "source_addr": source,
        "destination_addr": "SMSGW",
        "esm_class": 0x04,
        "data_coding": 0,
        "short_message_hex": text.encode().hex(),
        "text": text,
    }
    return DeliverSmReceived.model_validate({**defaults, **fields})


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


async def handle_in_one_batch(app: FastAPI, *events: Event) -> None:
    """Hand dlr's consumer these events as one fetched batch, in this order."""
    runtime: ServiceRuntime = app.state.runtime
    (consumer,) = runtime.consumers
    await consumer.process(fetched(*events))
    runtime.relay.notify()


async def test_receipts_fetched_in_one_batch_with_their_part_are_reported_once(
    dlr_app: FastAPI, receipts: Receipts
) -> None:
    smsc_id, sentinel_id = str(smsc_number()), str(smsc_number())
    part = part_submitted(smsc_id)
    ids = {"account_id": part.account_id, "message_id": part.message_id}
    sentinel = part_submitted(sentinel_id, part_index=2, **ids)
    # The SMSC sent the receipt twice, and both came in the batch that brought the part.
    # The sentinel's report shares the message's key and comes last, so it is read last.
    await handle_in_one_batch(
        dlr_app, part, sentinel, receipt(smsc_id), receipt(smsc_id), receipt(sentinel_id)
    )

    await receipts.wait_until(
        lambda _: any(r.part_index == 2 for r in receipts.statuses(part.message_id))
    )
    reports = receipts.statuses(part.message_id)
    assert [(r.part_index, r.status) for r in reports] == [(1, "delivered"), (2, "delivered")]
    assert [r.match_status for r in await records(dlr_app, smsc_id)] == ["matched"] * 2
    assert await pending_count(dlr_app, smsc_id) == 0


async def test_an_unknown_then_a_real_outcome_in_one_batch_are_both_reported(
    dlr_app: FastAPI, receipts: Receipts
) -> None:
    smsc_id = str(smsc_number())
    part = part_submitted(smsc_id)
    # The first receipt overtakes its part within the batch and waits for it.
    await handle_in_one_batch(
        dlr_app, receipt(smsc_id, stat="UNKNOWN"), part, receipt(smsc_id, stat="UNDELIV")
    )

    await receipts.wait_until(lambda _: len(receipts.statuses(part.message_id)) >= 2)
    assert [r.status for r in receipts.statuses(part.message_id)] == ["unknown", "undelivered"]


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
    # As E.164, however the SMSC spelled them.
    assert (inbound.from_number, inbound.to_number) == ("+447700900555", "+447700900000")
    assert inbound.account_id is None


async def pending_count(app: FastAPI, receipt_id: str, smsc: str = "default") -> int:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.sessionmaker() as session:
        repository = ReceiptRepository(session)
        key = candidates(receipt_id)[0]
        return len({row.id for row, _ in await repository.pending_for_keys({smsc: [key]})})


async def wait_for_pending(app: FastAPI, receipt_id: str, smsc: str = "default") -> None:
    """Make sure dlr has parked the receipt, so the test really covers the early receipt."""
    await eventually(lambda: pending_count(app, receipt_id, smsc))


async def records(app: FastAPI, smsc_message_id: str) -> list[ReceiptRecord]:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.sessionmaker() as session:
        statement = select(ReceiptRecord).where(ReceiptRecord.smsc_message_id == smsc_message_id)
        return list((await session.scalars(statement)).all())


async def inbound_count(app: FastAPI, text: str) -> int:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.sessionmaker() as session:
        statement = select(func.count()).where(InboundMessage.text == text)
        return int(await session.scalar(statement) or 0)


async def eventually(check: Callable[[], Awaitable[object]]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while not await check():
            await asyncio.sleep(0.1)


# --- SMSC links and time windows -------------------------------------------------------------


async def test_a_receipt_only_matches_parts_of_its_own_link(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    smsc_id = str(smsc_number())
    other_link = part_submitted(smsc_id, smsc="operator-a")
    await publish(producer, other_link)

    await publish(producer, receipt(smsc_id, smsc="operator-b"))
    # Parked as early, not applied to the part operator-a happens to have under that id.
    await wait_for_pending(dlr_app, smsc_id, smsc="operator-b")
    own_link = part_submitted(smsc_id, smsc="operator-b")
    await publish(producer, own_link)

    await receipts.wait_until(lambda _: bool(receipts.statuses(own_link.message_id)))
    assert receipts.statuses(other_link.message_id) == []
    assert [(r.message_id, r.status) for r in receipts.statuses(own_link.message_id)] == [
        (own_link.message_id, "delivered")
    ]


async def test_a_part_older_than_the_window_does_not_get_a_recycled_ids_receipt(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    smsc_id = str(smsc_number())
    old = part_submitted(smsc_id, submitted_at=datetime.now(UTC) - timedelta(hours=80))
    await publish(producer, old)

    await publish(producer, receipt(smsc_id))

    await wait_for_pending(dlr_app, smsc_id)
    new = part_submitted(smsc_id)
    await publish(producer, new)
    await receipts.wait_until(lambda _: bool(receipts.statuses(new.message_id)))
    assert receipts.statuses(old.message_id) == []


async def test_a_receipt_hours_after_its_part_is_reported_once(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    first, second = str(smsc_number()), str(smsc_number())
    submitted = datetime.now(UTC) - timedelta(hours=30)  # a handset off for a day
    part = part_submitted(first, part_index=1, submitted_at=submitted)
    ids = {"account_id": part.account_id, "message_id": part.message_id}
    await publish(producer, part)
    await publish(producer, part_submitted(second, part_index=2, submitted_at=submitted, **ids))

    await publish(producer, receipt(first, stat="EXPIRED"))
    await publish(producer, receipt(first, stat="EXPIRED"))  # the SMSC sends it again
    await publish(producer, receipt(second))  # sentinel: same partition, handled after

    await receipts.wait_until(
        lambda _: any(r.part_index == 2 for r in receipts.statuses(part.message_id))
    )
    reports = sorted(receipts.statuses(part.message_id), key=lambda r: r.part_index)
    assert [(r.part_index, r.status) for r in reports] == [(1, "expired"), (2, "delivered")]


async def test_two_equally_good_parts_leave_the_receipt_ambiguous(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    # A digits-only receipt id read as hex and read as decimal: two accounts' parts fit.
    receipt_id = str(smsc_number())
    as_hex_value = part_submitted(str(int(receipt_id, 16)))
    as_decimal_value = part_submitted(format(int(receipt_id), "X"))
    await publish(producer, as_hex_value)
    await publish(producer, as_decimal_value)
    sentinel = part_submitted(str(smsc_number()))
    await publish(producer, sentinel)
    # The parts travel on other partitions than the receipt: with one of them still on its
    # way, the receipt would rightly match the other.
    both = [as_hex_value.smsc_message_id, as_decimal_value.smsc_message_id]
    await eventually(lambda: _parts_known(dlr_app, both))

    await publish(producer, receipt(receipt_id))
    await publish(producer, receipt(sentinel.smsc_message_id))

    await eventually(lambda: records(dlr_app, receipt_id))
    (record,) = await records(dlr_app, receipt_id)
    assert record.match_status == "ambiguous"
    assert record.message_id is None
    assert record.candidates is not None
    assert {c["message_id"] for c in record.candidates} == {
        str(as_hex_value.message_id),
        str(as_decimal_value.message_id),
    }
    await receipts.wait_until(lambda _: bool(receipts.statuses(sentinel.message_id)))
    assert receipts.statuses(as_hex_value.message_id) == []
    assert receipts.statuses(as_decimal_value.message_id) == []
    assert await pending_count(dlr_app, receipt_id) == 0


async def test_the_exact_form_beats_another_accounts_alternative(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    receipt_id = str(smsc_number())
    alternative = part_submitted(format(int(receipt_id), "x"))
    exact = part_submitted(receipt_id)
    await publish(producer, alternative)
    await publish(producer, exact)
    # Both parts must be known before the receipt: the two events travel on other partitions
    # than the receipt, and a receipt that finds only the alternative rightly takes it.
    await eventually(lambda: _parts_known(dlr_app, [receipt_id, alternative.smsc_message_id]))

    await publish(producer, receipt(receipt_id))

    await receipts.wait_until(lambda _: bool(receipts.statuses(exact.message_id)))
    assert receipts.statuses(alternative.message_id) == []


# --- receipts in the wrong order, twice, or with an unknown state ----------------------------


async def test_a_receipt_twice_before_the_submit_response_is_reported_once(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    first, second = str(smsc_number()), str(smsc_number())
    part = part_submitted(first, part_index=1)
    ids = {"account_id": part.account_id, "message_id": part.message_id}
    sentinel_part = part_submitted(second, part_index=2, **ids)

    await publish(producer, receipt(first))
    await publish(producer, receipt(first))
    await eventually(lambda: _pending_at_least(dlr_app, first, 2))
    await publish(producer, part)
    await publish(producer, receipt(first))  # and once more after the response
    await publish(producer, sentinel_part)
    await publish(producer, receipt(second))

    await receipts.wait_until(
        lambda _: any(r.part_index == 2 for r in receipts.statuses(part.message_id))
    )
    reports = sorted(receipts.statuses(part.message_id), key=lambda r: r.part_index)
    assert [(r.part_index, r.status) for r in reports] == [(1, "delivered"), (2, "delivered")]
    assert await pending_count(dlr_app, first) == 0


async def test_a_part_whose_event_comes_hours_after_its_receipt_gets_it_once(
    dlr_app: FastAPI, producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    smsc_id = str(smsc_number())
    # The part went out hours ago, but its event reaches dlr only after the receipt (a
    # stalled relay, say): the receipt waits, and the part's arrival resolves it.
    part = part_submitted(smsc_id, submitted_at=datetime.now(UTC) - timedelta(hours=5))
    await publish(producer, receipt(smsc_id))
    await wait_for_pending(dlr_app, smsc_id)

    await publish(producer, part)
    await publish(producer, part)  # and the event again, as a redelivery would

    await receipts.wait_until(lambda _: bool(receipts.statuses(part.message_id)))
    await eventually(lambda: _no_pending(dlr_app, smsc_id))
    (report,) = receipts.statuses(part.message_id)
    assert report.status == "delivered"


async def _no_pending(app: FastAPI, receipt_id: str) -> bool:
    return await pending_count(app, receipt_id) == 0


async def _parts_known(app: FastAPI, smsc_ids: list[str]) -> bool:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.sessionmaker() as session:
        repository = ReceiptRepository(session)
        keys = [normalise(smsc_id) for smsc_id in smsc_ids]
        return len(await repository.parts_by_keys({"default": keys})) == len(keys)


async def _pending_at_least(app: FastAPI, receipt_id: str, count: int) -> bool:
    return await pending_count(app, receipt_id) >= count


async def test_an_unknown_state_does_not_block_the_real_outcome(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    first, second = str(smsc_number()), str(smsc_number())
    part = part_submitted(first, part_index=1)
    ids = {"account_id": part.account_id, "message_id": part.message_id}
    await publish(producer, part)
    await publish(producer, part_submitted(second, part_index=2, **ids))

    await publish(producer, receipt(first, stat="GARBLED"))  # unreadable: final, unknown
    await publish(producer, receipt(first, stat="UNKNOWN"))
    await publish(producer, receipt(first, stat="DELIVRD"))
    await publish(producer, receipt(first, stat="UNDELIV"))  # contradicts: changes nothing
    await publish(producer, receipt(second))

    await receipts.wait_until(
        lambda _: any(r.part_index == 2 for r in receipts.statuses(part.message_id))
    )
    reports = [r.status for r in receipts.statuses(part.message_id) if r.part_index == 1]
    assert reports == ["unknown", "delivered"]


async def test_an_id_with_an_underscore_matches_though_the_text_was_gsm_decoded(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    submitted = part_submitted(f"msg_{smsc_number()}")
    await publish(producer, submitted)
    event = receipt(submitted.smsc_message_id)
    garbled = event.model_copy(update={"text": event.text.replace("_", "§")})

    await publish(producer, garbled)

    await receipts.wait_until(lambda _: bool(receipts.statuses(submitted.message_id)))
    (report,) = receipts.statuses(submitted.message_id)
    assert report.status == "delivered"


async def test_a_data_sm_receipt_is_matched_like_a_deliver_sm(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    submitted = part_submitted(str(smsc_number()))
    await publish(producer, submitted)

    await publish(
        producer,
        receipt(
            "",
            command="data_sm",
            receipted_message_id=submitted.smsc_message_id,
            message_state=5,
            network_error_code_hex="030022",
        ),
    )

    await receipts.wait_until(lambda _: bool(receipts.statuses(submitted.message_id)))
    (report,) = receipts.statuses(submitted.message_id)
    assert (report.status, report.error_code) == ("undelivered", "034")


# --- stale pending receipts ------------------------------------------------------------------


async def test_a_receipt_whose_part_never_came_is_swept_to_unmatched(
    dlr_app: FastAPI, producer: AIOKafkaProducer
) -> None:
    stale_id, fresh_id = str(smsc_number()), str(smsc_number())
    day_old = datetime.now(UTC) - timedelta(hours=25)

    await publish(producer, receipt(fresh_id))
    await publish(producer, receipt(stale_id, received_at=day_old))

    async def swept() -> bool:
        return [r.match_status for r in await records(dlr_app, stale_id)] == ["unmatched"]

    await eventually(swept)
    assert await pending_count(dlr_app, stale_id) == 0
    # Younger than a day: still waiting for its part.
    await wait_for_pending(dlr_app, fresh_id)
    assert await records(dlr_app, fresh_id) == []


# --- mobile-originated messages --------------------------------------------------------------


def mo(text: str, source: str = "447700900555", **fields: Any) -> DeliverSmReceived:
    payload = fields.pop("payload", text.encode())
    return DeliverSmReceived.model_validate(
        {
            "source_addr": source,
            "destination_addr": "447700900000",
            "esm_class": 0x00,
            "data_coding": 0,
            "short_message_hex": payload.hex(),
            "text": text,
            **fields,
        }
    )


async def test_an_mo_the_smsc_sends_again_is_recorded_once(
    dlr_app: FastAPI, producer: AIOKafkaProducer
) -> None:
    source = f"4477{smsc_number()}"
    text = f"YES {uuid4()}"
    first = mo(text, source)
    sentinel = f"sentinel {uuid4()}"

    await publish(producer, first)
    await publish(producer, mo(text, source))  # the redelivery: a new event id
    # Copies long apart are two messages: the person sent it again.
    await publish(producer, mo(text, source, received_at=first.received_at + timedelta(hours=1)))
    await publish(producer, mo(sentinel, source))  # same key, so handled after the others

    await eventually(lambda: inbound_count(dlr_app, sentinel))
    assert await inbound_count(dlr_app, text) == 2


async def test_parts_of_a_long_mo_with_the_same_text_are_both_kept(
    dlr_app: FastAPI, producer: AIOKafkaProducer
) -> None:
    source = f"4477{smsc_number()}"
    text = f"same text {uuid4()}"
    for part in (1, 2):
        udh = bytes([5, 0, 3, 0x42, 2, part])
        await publish(producer, mo(text, source, esm_class=0x40, payload=udh + text.encode()))

    # Not taken for a redelivery of one another: both make up the one message.
    await eventually(lambda: inbound_count(dlr_app, text + text))


async def test_an_inbound_data_sm_is_an_inbound_message(
    producer: AIOKafkaProducer, receipts: Receipts
) -> None:
    text = f"HELP {uuid4()}"

    await publish(producer, mo(text, command="data_sm", smsc="operator-a"))

    def arrived(seen: list[AnyEvent]) -> bool:
        return any(isinstance(e, InboundMessageReceived) and e.text == text for e in seen)

    await receipts.wait_until(arrived)


# --- schema ----------------------------------------------------------------------------------


async def test_migrations_match_the_models(dlr_app: FastAPI) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    runtime: ServiceRuntime = dlr_app.state.runtime
    async with runtime.engine.connect() as connection:
        assert await connection.run_sync(diff) == []

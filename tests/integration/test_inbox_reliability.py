"""The inbox consumer skips nothing after a failure and dead-letters, with a reason, every
record that is not a usable event, on the real broker and the service's migrated database."""

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.db import Inbox
from shared.db import create_engine, create_sessionmaker
from shared.events import AccountRegistered, MessageAccepted, dead_letter_topic, serialise_event
from shared.inbox import Batched, PoisonEvent
from shared.kafka import new_producer
from tests.support.databases import Databases
from tests.support.inbox import (
    eventually,
    headers_of,
    inbox_ids,
    new_topic,
    publish,
    publish_event,
    read_topic,
    running_inbox,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("billing"))
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = new_producer(broker)
    await producer.start()
    yield producer
    await producer.stop()


def registered(**fields: Any) -> AccountRegistered:
    return AccountRegistered(account_id=uuid4(), email="a@example.com", company_name="A", **fields)


class BrokerHiccup(AIOKafkaProducer):
    """A real producer whose first dead-letter sends fail as if the broker went away."""

    def __init__(self, failures: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.failures = failures

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise KafkaConnectionError("broker unreachable")
        return await super().send_and_wait(*args, **kwargs)


async def test_events_after_a_failed_batch_are_still_handled(
    broker: str, sessions: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer
) -> None:
    topic = await new_topic(broker, "test.inbox.rewind")
    first, poison, last = registered(), registered(), registered()

    async def on_registered(session: AsyncSession, event: AccountRegistered) -> None:
        if event.event_id == poison.event_id:
            raise PoisonEvent("never valid")

    for event in (first, poison, last):
        await publish_event(producer, topic, event)
    # Dead-lettering the poison event fails once: the batch ends in an exception after
    # `first` was handled and before `last` was.
    dead_letters = BrokerHiccup(1, bootstrap_servers=broker)
    await dead_letters.start()
    try:
        async with running_inbox(
            broker, topic, sessions, Inbox, {"account.registered": on_registered}, dead_letters
        ) as consumer:

            async def last_handled() -> bool:
                return last.event_id in await inbox_ids(sessions, Inbox, consumer.name)

            assert await eventually(last_handled, timeout=20), "the event after it was skipped"
            assert await eventually(lambda: consumer.dead_lettered == 1)
    finally:
        await dead_letters.stop()
    assert await inbox_ids(sessions, Inbox, consumer.name) == {first.event_id, last.event_id}
    assert consumer.handled == 2  # `first`, fetched again, was dropped as a duplicate
    dead = await read_topic(broker, dead_letter_topic(topic))
    assert [json.loads(r.value)["event_id"] for r in dead] == [str(poison.event_id)]


async def test_a_bad_event_in_a_batched_handlers_run_does_not_cost_the_others(
    broker: str, sessions: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer
) -> None:
    topic = await new_topic(broker, "test.inbox.batched")
    events = [registered() for _ in range(6)]
    poison = events[2]
    runs: list[list[UUID]] = []

    async def on_registered(session: AsyncSession, run: Sequence[AccountRegistered]) -> None:
        runs.append([event.event_id for event in run])
        if poison in run:
            raise PoisonEvent("never valid")

    for event in events:
        await publish_event(producer, topic, event)
    handlers = {"account.registered": Batched(on_registered)}
    async with running_inbox(broker, topic, sessions, Inbox, handlers) as consumer:
        assert await eventually(lambda: consumer.dead_lettered == 1, timeout=20)
        assert await eventually(lambda: consumer.handled == 5)

    wanted = {event.event_id for event in events} - {poison.event_id}
    assert await inbox_ids(sessions, Inbox, consumer.name) == wanted
    dead = await read_topic(broker, dead_letter_topic(topic))
    assert [json.loads(r.value)["event_id"] for r in dead] == [str(poison.event_id)]
    # Every run the handler saw was in publishing order.
    order = [event.event_id for event in events]
    assert all(run == sorted(run, key=order.index) for run in runs)


async def test_records_that_are_no_usable_event_go_to_the_dead_letter_topic_with_a_reason(
    broker: str, sessions: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer
) -> None:
    topic = await new_topic(broker, "test.inbox.malformed")
    good = registered()
    newer = registered(version=2)
    incomplete = {"type": "account.registered", "event_id": str(uuid4()), "account_id": None}
    someone_elses = MessageAccepted(
        account_id=uuid4(), message_id=uuid4(), to="+447700900123", sender="S",
        encoding="gsm7", segments=1,
    )  # fmt: skip
    handled: list[UUID] = []

    async def on_registered(session: AsyncSession, event: AccountRegistered) -> None:
        handled.append(event.event_id)

    await publish(producer, topic, b"\x00 not json")
    await publish(producer, topic, b'{"type": "account.renamed", "event_id": "x"}')
    await publish(producer, topic, b'{"type": "account.renamed"}', event_type="account.renamed")
    await publish(producer, topic, json.dumps(incomplete).encode())
    await publish(producer, topic, serialise_event(newer))  # no header: parsed to find out
    await publish_event(producer, topic, someone_elses)  # a known type this consumer ignores
    await publish(producer, topic, serialise_event(someone_elses))  # the same, without header
    await publish_event(producer, topic, good)

    async with running_inbox(
        broker, topic, sessions, Inbox, {"account.registered": on_registered}
    ) as consumer:
        assert await eventually(lambda: good.event_id in handled)
        assert await eventually(lambda: consumer.dead_lettered == 5)
    assert consumer.unknown_types == 2
    dead = [headers_of(record) for record in await read_topic(broker, dead_letter_topic(topic))]
    assert [h["error_code"] for h in dead] == [
        "unparseable",
        "unknown_type",
        "unknown_type",
        "unparseable",
        "unsupported_version",
    ]
    assert [h["source_offset"] for h in dead] == ["0", "1", "2", "3", "4"]
    assert {h["source_topic"] for h in dead} == {topic}
    assert {h["source_partition"] for h in dead} == {"0"}
    assert {h["consumer"] for h in dead} == {consumer.name}
    assert "account.renamed" in dead[1]["error"]
    assert "company_name" in dead[3]["error"]  # names what is missing
    assert "version 2" in dead[4]["error"]
    assert handled == [good.event_id]

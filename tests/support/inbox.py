"""Helpers for the inbox, outbox and dead-letter tests: a topic of the test's own, an inbox
consumer running on it against a real database, and reading a topic back from the start."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events import Event, dead_letter_topic, serialise_event
from shared.inbox import Handler, InboxConsumer, InboxMixin
from shared.kafka import ensure_topics, new_consumer, new_producer


async def new_topic(broker: str, prefix: str) -> str:
    """A one-partition topic and its dead-letter topic, used by this test alone."""
    topic = f"{prefix}.{uuid4().hex[:10]}"
    await ensure_topics(broker, [topic, dead_letter_topic(topic)], 1)
    return topic


@asynccontextmanager
async def running_inbox(
    broker: str,
    topic: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    inbox_model: type[InboxMixin],
    handlers: Mapping[str, Handler],
    dead_letters: AIOKafkaProducer | None = None,
    max_attempts: int = 5,
) -> AsyncIterator[InboxConsumer]:
    """An InboxConsumer in its own consumer group, running until the block ends."""
    group = f"test-{uuid4().hex[:10]}"
    kafka_consumer = new_consumer(broker, group, topic)
    await kafka_consumer.start()
    producer = dead_letters or new_producer(broker)
    if dead_letters is None:
        await producer.start()
    consumer = InboxConsumer(
        group,
        sessionmaker,
        inbox_model,
        kafka_consumer,
        producer,
        handlers,
        max_attempts=max_attempts,
    )
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await kafka_consumer.stop()
        if dead_letters is None:
            await producer.stop()


async def publish(
    producer: AIOKafkaProducer,
    topic: str,
    value: bytes,
    event_type: str | None = None,
    key: bytes = b"key",
    event_id: UUID | None = None,
) -> None:
    headers = [("event_type", event_type.encode())] if event_type else []
    if event_id:
        headers.append(("event_id", str(event_id).encode()))
    await producer.send_and_wait(topic, value=value, key=key, headers=headers)


async def publish_event(producer: AIOKafkaProducer, topic: str, event: Event) -> None:
    """As the outbox relay publishes: the payload, the event_type and event_id headers."""
    event_type: str = event.type  # type: ignore[attr-defined]
    await publish(producer, topic, serialise_event(event), event_type, event_id=event.event_id)


async def read_topic(broker: str, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Everything in a one-partition topic right now, without joining a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        records: list[ConsumerRecord[Any, Any]] = []
        async with asyncio.timeout(20):
            while await consumer.position(partition) < end:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float = 30, every: float = 0.05
) -> bool:
    """Wait until `condition()` holds or `timeout` passes; returns whether it held."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        held = condition()
        if not isinstance(held, bool):
            held = await held
        if held:
            return True
        if loop.time() > deadline:
            return False
        await asyncio.sleep(every)


async def inbox_ids(
    sessionmaker: async_sessionmaker[AsyncSession], inbox_model: type[InboxMixin], consumer: str
) -> set[UUID]:
    """The events this consumer has committed as handled."""
    async with sessionmaker() as session:
        statement = select(inbox_model.event_id).where(inbox_model.consumer == consumer)
        return set((await session.scalars(statement)).all())


def headers_of(record: ConsumerRecord[Any, Any]) -> dict[str, str]:
    return {key: bytes(value).decode() for key, value in record.headers or ()}


def fetched(*events: Event) -> list[ConsumerRecord[Any, Any]]:
    """The events as records of one fetch, in this order, as the relay would publish them:
    for handing a consumer's `process` one batch whose make-up the test decides."""
    records = []
    for offset, event in enumerate(events):
        event_type: str = event.type  # type: ignore[attr-defined]
        value = serialise_event(event)
        records.append(
            ConsumerRecord(
                topic=event.topic,
                partition=0,
                offset=offset,
                timestamp=0,
                timestamp_type=0,
                key=event.aggregate_id.encode(),
                value=value,
                checksum=None,
                serialized_key_size=-1,
                serialized_value_size=len(value),
                headers=[("event_type", event_type.encode())],
            )
        )
    return records

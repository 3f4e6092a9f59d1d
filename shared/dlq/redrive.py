"""Re-drive: publish dead-lettered records back to the topic they came from.

The tool is a consumer group of its own on the dead-letter topic and commits its offsets
only after the re-published records are acknowledged: a run that dies half-way re-drives
the rest next time (at worst a record twice, which the consumer's inbox drops), and a
finished run is never repeated by the next. Each record goes back to the one consumer that
dead-lettered it (`redriven_for`); the other consumer groups on the topic skip it.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from shared.dlq import CONSUMER, FAILURE_HEADERS, REDRIVEN_AT, REDRIVEN_FOR, SOURCE_TOPIC, header
from shared.events import utcnow
from shared.kafka import new_consumer, new_producer

log = logging.getLogger(__name__)

DEFAULT_GROUP = "dlq-redrive"
_DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Redriven:
    dlq_partition: int
    dlq_offset: int
    topic: str


async def redrive(
    bootstrap_servers: str, dlq_topic: str, group: str = DEFAULT_GROUP, idle_timeout: float = 30
) -> list[Redriven]:
    """Re-publish every record in `dlq_topic` this group has not re-driven yet, up to the end
    as it was at the start (what is dead-lettered meanwhile waits for the next run, so a
    record that fails again cannot keep the run going forever)."""
    consumer = new_consumer(bootstrap_servers, group, dlq_topic)
    producer = new_producer(bootstrap_servers)
    await consumer.start()
    try:
        await producer.start()
        return await _redrive(consumer, producer, idle_timeout)
    finally:
        await producer.stop()
        await consumer.stop()


async def _redrive(
    consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, idle_timeout: float
) -> list[Redriven]:
    partitions = list(consumer.assignment())
    end: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    done: list[Redriven] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + idle_timeout
    while not await caught_up(consumer, end):
        if loop.time() > deadline:
            raise TimeoutError(f"no progress re-driving {partitions} for {idle_timeout}s")
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        records = [
            record
            for tp, partition_records in batches.items()
            for record in partition_records
            if record.offset < end[tp]
        ]
        if not records:
            continue
        await _republish(producer, records)
        # Only now, after the broker has the copies: commit exactly past what was re-driven.
        offsets = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = OffsetAndMetadata(record.offset + 1, "")
            done.append(Redriven(record.partition, record.offset, _source_topic(record)))
        await consumer.commit(offsets)
        deadline = loop.time() + idle_timeout
    return done


async def caught_up(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for tp, end_offset in end.items():
        if await consumer.position(tp) < end_offset:
            return False
    return True


async def _republish(
    producer: AIOKafkaProducer, records: Sequence[ConsumerRecord[Any, Any]]
) -> None:
    now = utcnow().isoformat().encode()
    futures = []
    for record in records:
        # The failure headers described one failure; a record that fails again gets new ones.
        headers = [
            (key, bytes(value))
            for key, value in record.headers or ()
            if key not in FAILURE_HEADERS and key not in (REDRIVEN_AT, REDRIVEN_FOR)
        ]
        headers.append((REDRIVEN_AT, now))
        consumer = header(record.headers, CONSUMER)
        if consumer:
            headers.append((REDRIVEN_FOR, consumer.encode()))
        futures.append(
            await producer.send(
                _source_topic(record), value=record.value, key=record.key, headers=headers
            )
        )
    await asyncio.gather(*futures)


def _source_topic(record: ConsumerRecord[Any, Any]) -> str:
    source = header(record.headers, SOURCE_TOPIC)
    if source:
        return source
    return record.topic.removesuffix(_DLQ_SUFFIX)

"""Read a dead-letter topic from the start without joining any group, and say for each
record whether the re-drive group has already re-driven it."""

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from shared.dlq import (
    CONSUMER,
    ERROR,
    ERROR_CODE,
    FAILED_AT,
    REDRIVEN_AT,
    SOURCE_OFFSET,
    SOURCE_PARTITION,
    SOURCE_TOPIC,
    header,
)
from shared.dlq.redrive import DEFAULT_GROUP, caught_up
from shared.kafka import client_options


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    error_code: str | None
    error: str | None
    consumer: str | None
    failed_at: str | None
    source: str
    event_type: str | None
    event_id: str | None
    previously_redriven_at: str | None
    redriven: bool  # already re-driven by the re-drive group

    def line(self) -> str:
        state = "redriven" if self.redriven else "pending"
        return (
            f"{self.partition}@{self.offset} {state} {self.error_code or '-'} from {self.source}"
            f" type={self.event_type or '-'} id={self.event_id or '-'}"
            f" consumer={self.consumer or '-'} at={self.failed_at or '-'}: {self.error or ''}"
        )


async def list_dead_letters(
    bootstrap_servers: str, dlq_topic: str, group: str = DEFAULT_GROUP
) -> list[DeadLetter]:
    # In the re-drive group to read its offsets, but assigned, not subscribed: it never
    # joins the group, so it can't take partitions from a re-drive that is running.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        **client_options(),
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition(dlq_topic, p) for p in sorted(await _partitions(consumer, dlq_topic))
        ]
        consumer.assign(partitions)
        committed = {tp: await consumer.committed(tp) or 0 for tp in partitions}
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        while not await caught_up(consumer, end):
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                letters.extend(
                    _letter(r, r.offset < committed.get(tp, 0))
                    for r in records
                    if r.offset < end[tp]
                )
        return sorted(letters, key=lambda letter: (letter.partition, letter.offset))
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    if topic not in await consumer.topics():  # fetches the cluster's metadata
        raise LookupError(f"no topic {topic!r} on the broker")
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise LookupError(f"no topic {topic!r} on the broker")
    return set(partitions)


def _letter(record: ConsumerRecord[Any, Any], redriven: bool) -> DeadLetter:
    headers = record.headers
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        error_code=header(headers, ERROR_CODE),
        error=header(headers, ERROR),
        consumer=header(headers, CONSUMER),
        failed_at=header(headers, FAILED_AT),
        source=(
            f"{header(headers, SOURCE_TOPIC)}[{header(headers, SOURCE_PARTITION)}]"
            f"@{header(headers, SOURCE_OFFSET)}"
        ),
        event_type=header(headers, "event_type"),
        event_id=header(headers, "event_id"),
        previously_redriven_at=header(headers, REDRIVEN_AT),
        redriven=redriven,
    )

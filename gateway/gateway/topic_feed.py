"""A topic read into an in-memory projection: every gateway process reads every partition
from the beginning (no consumer group) and then follows it, reconnecting on failure.

What the projection makes of the events is its owner's business: the feed calls `restart`
before each replay (the first, and again after a reconnect), `apply` for every readable
event, and `caught_up` once the replay has reached the offsets the topic had when it began.
"""

import asyncio
import logging
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from shared.events import AnyEvent, parse_event
from shared.kafka import client_options

log = logging.getLogger(__name__)

_RETRY_SECONDS = 1.0


def _nothing() -> None:
    return None


class TopicFeed:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        name: str,
        apply: Callable[[AnyEvent], None],
        max_lag_seconds: float,
        restart: Callable[[], None] = _nothing,
        caught_up: Callable[[], None] = _nothing,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._name = name
        self._apply = apply
        self._restart = restart
        self._on_caught_up = caught_up
        self._max_lag = max_lag_seconds
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self.caught_up = False

    def usable(self) -> bool:
        """Caught up, and heard from the broker about every partition lately."""
        consumer = self._consumer
        if not self.caught_up or consumer is None:
            return False
        now_ms = time.time() * 1000
        polls = [consumer.last_poll_timestamp(tp) for tp in self._partitions]
        return all(ts is not None and now_ms - ts <= self._max_lag * 1000 for ts in polls)

    async def run(self) -> None:
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: consumer failed; reconnecting", self._name)
                await asyncio.sleep(_RETRY_SECONDS)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            **client_options(),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
            metadata_max_age_ms=30_000,
        )
        await consumer.start()
        try:
            partitions = await self._wait_for_partitions(consumer)
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            targets = await consumer.end_offsets(partitions)
            # After a reconnect too: what happened meanwhile must be read before the
            # projection counts as current again.
            self.caught_up = False
            self._restart()
            self._consumer, self._partitions = consumer, partitions
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=1000)
                for records in batches.values():
                    for record in records:
                        self._read(record)
                if not self.caught_up and await _reached(consumer, targets):
                    self.caught_up = True
                    self._on_caught_up()
                    log.info("%s caught up", self._name)
        finally:
            self._consumer = None
            await consumer.stop()

    async def _wait_for_partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        while True:
            await consumer.topics()  # refreshes the metadata
            numbers = consumer.partitions_for_topic(self._topic)
            if numbers:
                return [TopicPartition(self._topic, number) for number in sorted(numbers)]
            log.info("%s: waiting for topic %s", self._name, self._topic)
            await asyncio.sleep(_RETRY_SECONDS)

    def _read(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            event = parse_event(record.value or b"")
        except ValidationError:
            log.warning("%s: skipped unreadable record at offset %s", self._name, record.offset)
            return
        self._apply(event)


async def _reached(consumer: AIOKafkaConsumer, targets: dict[TopicPartition, int]) -> bool:
    for partition, target in targets.items():
        if await consumer.position(partition) < target:
            return False
    return True

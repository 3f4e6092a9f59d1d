"""Everything a service process holds for its lifetime: database, producer, outbox relay,
inbox consumers and token verifier. Used by the HTTP apps and by the SMPP worker alike."""

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.db import create_engine, create_sessionmaker
from shared.events import ALL_TOPICS, dead_letter_topic, utcnow
from shared.inbox import Handler, InboxConsumer, InboxMixin, prune_inbox
from shared.kafka import ensure_topics, new_consumer, new_producer, wait_for_broker
from shared.metrics import storage as storage_metrics
from shared.outbox import OutboxMixin, OutboxRelay, has_new_events
from shared.periodic import PeriodicJob, repeat
from shared.security import JwksCache, TokenVerifier
from shared.settings import ServiceSettings, VerifyingServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group: its name is the Kafka group id and the inbox consumer name.
    Within a fetched batch, records of earlier `topics` are handled first. A `background`
    group is off the message path: it fetches at the background pace (fewer, larger
    batches) rather than the message path's."""

    name: str
    topics: tuple[str, ...]
    handlers: Mapping[str, Handler]
    background: bool = False


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    outbox_model: type[OutboxMixin]
    inbox_model: type[InboxMixin] | None = None
    consumer_specs: tuple[ConsumerSpec, ...] = ()
    engine: AsyncEngine = field(init=False)
    sessionmaker: async_sessionmaker[AsyncSession] = field(init=False)
    producer: AIOKafkaProducer = field(init=False)
    relay: OutboxRelay = field(init=False)
    consumers: list[InboxConsumer] = field(default_factory=list, init=False)
    verifier: TokenVerifier | None = field(default=None, init=False)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list, init=False)

    async def start(self) -> None:
        settings = self.settings
        self.engine = create_engine(settings.database_url)
        self.sessionmaker = create_sessionmaker(self.engine)
        if isinstance(settings, VerifyingServiceSettings):
            self.verifier = TokenVerifier(
                JwksCache(settings.jwks_url), settings.jwt_issuer, settings.jwt_audience
            )
        await wait_for_broker(settings.kafka_bootstrap_servers)
        if settings.create_topics:
            topics = [*ALL_TOPICS, *(dead_letter_topic(t) for t in ALL_TOPICS)]
            await ensure_topics(settings.kafka_bootstrap_servers, topics, settings.topic_partitions)
        self.producer = new_producer(settings.kafka_bootstrap_servers)
        await self.producer.start()
        self.relay = OutboxRelay(
            self.sessionmaker, self.outbox_model, self.producer, settings.outbox_batch_size
        )
        self._spawn(self.relay.run(), "outbox-relay")
        for spec in self.consumer_specs:
            await self._start_consumer(spec)
        outbox_model, inbox_model = self.outbox_model, self.inbox_model
        self.start_periodic(
            PeriodicJob(
                "storage-metrics",
                settings.metrics_interval_seconds,
                lambda: storage_metrics.measure(self.sessionmaker, outbox_model, inbox_model),
            )
        )
        if self.inbox_model is not None:
            inbox = self.inbox_model
            self.start_periodic(
                PeriodicJob(
                    "inbox-pruner",
                    self.settings.inbox_prune_interval_seconds,
                    lambda: self._prune_inbox(inbox),
                )
            )

    async def _start_consumer(self, spec: ConsumerSpec) -> None:
        assert self.inbox_model is not None, "a service that consumes needs an inbox table"
        bootstrap = self.settings.kafka_bootstrap_servers
        kafka_consumer = new_consumer(
            bootstrap,
            spec.name,
            *spec.topics,
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            fetch_max_wait_ms=(
                self.settings.consumer_background_fetch_max_wait_ms
                if spec.background
                else self.settings.consumer_fetch_max_wait_ms
            ),
        )
        await kafka_consumer.start()
        consumer = InboxConsumer(
            spec.name,
            self.sessionmaker,
            self.inbox_model,
            kafka_consumer,
            self.producer,
            spec.handlers,
            after_commit=self.relay.notify,
            batch_size=self.settings.consumer_batch_size,
            topic_order=spec.topics,
        )
        self.consumers.append(consumer)
        self._spawn(self._run_consumer(consumer, kafka_consumer), f"consumer-{spec.name}")

    @staticmethod
    async def _run_consumer(consumer: InboxConsumer, kafka_consumer: AIOKafkaConsumer) -> None:
        try:
            await consumer.run()
        finally:
            await kafka_consumer.stop()

    async def _prune_inbox(self, inbox_model: type[InboxMixin]) -> None:
        retention = timedelta(days=self.settings.inbox_retention_days)
        pruned = await prune_inbox(
            self.sessionmaker,
            inbox_model,
            processed_before=utcnow() - retention,
            batch_size=self.settings.inbox_prune_batch_size,
        )
        if pruned:
            log.info("pruned %d inbox ids older than %s", pruned, retention)

    def start_periodic(self, job: PeriodicJob) -> None:
        """Run `job` every interval until the runtime stops; call it after start()."""
        self._spawn(repeat(job), job.name)

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        task.add_done_callback(_crash_loudly)
        self._tasks.append(task)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # stop() also cleans up after a start() that failed halfway, so check what exists.
        if hasattr(self, "relay"):
            # One last pass so events committed during shutdown don't wait for the next start.
            try:
                await asyncio.wait_for(self.relay.publish_batch(), 5)
            except Exception:
                log.warning("final outbox flush failed; the rows stay for the next start")
        if hasattr(self, "producer"):
            await self.producer.stop()
        if hasattr(self, "engine"):
            await self.engine.dispose()

    def after_commit(self, session: AsyncSession) -> None:
        if has_new_events(session):
            self.relay.notify()

    async def check_database(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_broker(self) -> None:
        await asyncio.wait_for(self.producer.client.fetch_all_metadata(), 3)


def _crash_loudly(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("background task %s died", task.get_name(), exc_info=task.exception())

"""Inbox consumer: each event is handled once per consumer, in the handler's own transaction.

The event id is inserted into `inbox` in the same transaction as the handler's changes, so a
redelivered event (relay retry, rebalance, crash before the offset commit) is dropped. Offsets
are committed only after the database commit, and after any failure the consumer rewinds to
the committed offsets, so nothing it fetched is skipped. An event that keeps failing, and a
record that is no usable event at all, go to the topic's dead-letter topic (shared.dlq)
instead of blocking its partition forever; a database outage is waited out, never
dead-lettered.

A handler takes one event, or, wrapped in `Batched`, every event of its type in a run of the
fetched batch at once, so that it can apply them in a few statements instead of a few per
event. Either way it runs inside the consumer's transaction and never commits.
"""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import IllegalStateError
from sqlalchemy import String, Uuid, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared import tracing
from shared.db import UtcDateTime, upsert_insert
from shared.dlq import REDRIVEN_FOR, ErrorCode, dead_letter_headers, header
from shared.events import AnyEvent, dead_letter_topic, utcnow
from shared.inbox_records import Rejected, decode
from shared.metrics.messaging import BATCH_RECORDS, CONSUMED, HANDLER_SECONDS, LAG
from shared.outage import is_database_outage

log = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Batched:
    """A handler for a list of events of one type, in the order they were fetched."""

    handle: BatchHandler


Handler: TypeAlias = EventHandler | Batched
Record: TypeAlias = ConsumerRecord[Any, Any]


class InboxMixin:
    """Mix into a service's own declarative Base as table `inbox`."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    # Indexed for pruning: without it every prune pass scans the whole table.
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class PoisonEvent(Exception):
    """The payload can never be handled; retrying is pointless."""


class InboxConsumer:
    def __init__(
        self,
        name: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        inbox_model: type[InboxMixin],
        consumer: AIOKafkaConsumer,
        dead_letter_producer: AIOKafkaProducer,
        handlers: Mapping[str, Handler],
        after_commit: Callable[[], None] = lambda: None,
        batch_size: int = 500,
        max_attempts: int = 5,
        topic_order: Sequence[str] = (),
    ) -> None:
        self.name = name
        self._sessionmaker = sessionmaker
        self._inbox = inbox_model
        self._consumer = consumer
        self._dead_letters = dead_letter_producer
        self._handlers = handlers
        self._after_commit = after_commit
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        # Records of earlier-listed topics are handled first within a fetched batch (order
        # across partitions is not Kafka's to keep anyway): dlr lists submitted parts before
        # receipts, so a receipt fetched with its part matches at once instead of pending.
        self._topic_rank = {topic: rank for rank, topic in enumerate(topic_order)}
        self._rewind = False
        self._lag_measured_at = 0.0
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.unknown_types = 0
        self.outage_waits = 0

    async def run(self) -> None:
        while True:
            try:
                if self._rewind:
                    await self._rewind_to_committed()
                await self._poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A failed commit (rebalance) or dead-letter send must not end the consumer.
                # The fetch position is already past the failed batch, so the next commit
                # would skip it: go back to the committed offsets first, and the inbox drops
                # whatever of the batch was already done.
                self._rewind = True
                log.exception("%s: consumer loop failed; rewinding and continuing", self.name)
                await asyncio.sleep(1.0)

    async def _rewind_to_committed(self) -> None:
        for partition in self._consumer.assignment():
            offset = await self._consumer.committed(partition)
            if offset is None:  # nothing committed yet: where auto_offset_reset=earliest began
                await self._consumer.seek_to_beginning(partition)
            else:
                self._consumer.seek(partition, offset)
        self._rewind = False

    async def _poll_once(self) -> None:
        batches = await self._consumer.getmany(timeout_ms=500, max_records=self._batch_size)
        rank = self._topic_rank
        partitions = sorted(batches, key=lambda tp: rank.get(tp.topic, len(rank)))
        records = [record for partition in partitions for record in batches[partition]]
        if records:
            BATCH_RECORDS.labels(self.name).observe(len(records))
            await self.process(records)
            await self._consumer.commit()
        await self._measure_lag()

    async def _measure_lag(self) -> None:
        """At most once a second: each assigned partition's records past the position,
        from what the last fetches said of its end (no request to the broker)."""
        now = time.monotonic()
        if now - self._lag_measured_at < 1.0:
            return
        self._lag_measured_at = now
        for partition in self._consumer.assignment():
            end = self._consumer.highwater(partition)
            if end is None:
                continue
            try:
                position = await self._consumer.position(partition)
            except IllegalStateError:
                continue  # revoked by a rebalance since assignment() was read
            LAG.labels(self.name, partition.topic, str(partition.partition)).set(end - position)

    async def process(self, records: Sequence[Record]) -> None:
        wanted: list[tuple[Record, AnyEvent]] = []
        for record in records:
            if header(record.headers, REDRIVEN_FOR) not in (None, self.name):
                continue  # re-driven for another consumer; this one had handled it
            try:
                event = decode(record.value, header(record.headers, "event_type"), self._handlers)
            except Rejected as rejected:
                await self._reject(record, rejected)
                continue
            if event is not None:
                wanted.append((record, event))
        if not wanted:
            return
        # One transaction for the whole batch is the fast path; if any event in it fails,
        # fall back to one transaction per event so a single bad event can't block the rest.
        outage = _OutageWait(self)
        while True:
            try:
                await self._handle_batch([event for _, event in wanted])
                break
            except Exception as exc:
                if is_database_outage(exc):
                    await outage.wait(exc)
                    continue
                log.warning("%s: batch of %d failed, retrying one by one", self.name, len(wanted))
                for record, event in wanted:
                    await self._process_one(record, event)
                break
        self._after_commit()

    async def _handle_batch(self, events: list[AnyEvent]) -> None:
        async with self._sessionmaker() as session, session.begin():
            fresh = await self._claim_many(session, [event.event_id for event in events])
            todo = []
            for event in events:
                if event.event_id in fresh:
                    fresh.discard(event.event_id)  # the same event twice in one batch
                    todo.append(event)
            for handler, run in _runs(self._handlers, todo):
                started = time.perf_counter()
                await _call(handler, session, run, self.name)
                HANDLER_SECONDS.labels(self.name, run[0].topic).observe(
                    time.perf_counter() - started
                )
        # Counted after the commit: a batch retried one by one must not count twice.
        self.handled += len(todo)
        self.duplicates += len(events) - len(todo)
        handled = Counter(event.topic for event in todo)
        for topic, count in Counter(event.topic for event in events).items():
            CONSUMED.labels(self.name, topic, "handled").inc(handled[topic])
            CONSUMED.labels(self.name, topic, "duplicate").inc(count - handled[topic])

    async def _process_one(self, record: Record, event: AnyEvent) -> None:
        attempt, outage = 0, _OutageWait(self)
        while True:
            try:
                async with self._sessionmaker() as session, session.begin():
                    fresh = await self._handle(session, event)
                # Counted after the commit: a commit lost to an outage is retried.
                if fresh:
                    self.handled += 1
                else:
                    self.duplicates += 1
                CONSUMED.labels(self.name, event.topic, "handled" if fresh else "duplicate").inc()
                return
            except PoisonEvent as exc:
                await self._dead_letter(record, ErrorCode.POISON, _error_header(exc))
                return
            except Exception as exc:
                if is_database_outage(exc):
                    # The database is down, not the event bad: wait it out however long it
                    # takes, and don't count it as an attempt.
                    await outage.wait(exc)
                    continue
                attempt += 1
                if attempt >= self._max_attempts:
                    log.exception("%s: giving up on event at %s", self.name, _where(record))
                    await self._dead_letter(record, ErrorCode.HANDLER_FAILED, _error_header(exc))
                    return
                await asyncio.sleep(min(0.1 * 2**attempt, 5.0))

    async def _handle(self, session: AsyncSession, event: AnyEvent) -> bool:
        """Handle the event unless this consumer already has; returns whether it did."""
        if not await self._claim(session, event.event_id):
            return False
        await _call(self._handlers[event.type], session, [event], self.name)
        return True

    async def _claim(self, session: AsyncSession, event_id: UUID) -> bool:
        return event_id in await self._claim_many(session, [event_id])

    async def _claim_many(self, session: AsyncSession, event_ids: list[UUID]) -> set[UUID]:
        """Record the events as handled by this consumer; returns those not seen before.
        One round trip for a whole batch: a round trip per event was a fifth of the work.
        Core executemany, not one multi-row VALUES: that compiled anew for every batch size,
        a tenth of a consumer's CPU; this statement compiles once."""
        now = utcnow()
        table: Any = getattr(self._inbox, "__table__")  # noqa: B009 - the mapped subclass's
        statement = (
            upsert_insert(session, table).on_conflict_do_nothing().returning(table.c.event_id)
        )
        rows = [{"consumer": self.name, "event_id": e, "processed_at": now} for e in event_ids]
        return set((await session.scalars(statement, rows)).all())

    async def _reject(self, record: Record, rejected: Rejected) -> None:
        if rejected.code is ErrorCode.UNKNOWN_TYPE:
            self.unknown_types += 1
        log.warning(
            "%s: %s record at %s: %s", self.name, rejected.code, _where(record), rejected.reason
        )
        await self._dead_letter(record, rejected.code, rejected.reason)

    async def _dead_letter(self, record: Record, code: ErrorCode, error: str) -> None:
        headers = dead_letter_headers(
            record.headers or (),
            code=code,
            error=error,
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        await self._dead_letters.send_and_wait(
            dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
        )
        self.dead_lettered += 1
        CONSUMED.labels(self.name, record.topic, "dead_lettered").inc()


def _error_header(exc: Exception) -> str:
    """What a dead letter says of the failure: the exception's type, never its text, which
    may quote the event's phone numbers or message text (R19); the log has the traceback."""
    return type(exc).__qualname__


class _OutageWait:
    """Backoff while the database is away: 0.5 s doubling to 15 s, a log line each time."""

    def __init__(self, consumer: InboxConsumer) -> None:
        self._consumer = consumer
        self._delay = 0.5

    async def wait(self, error: Exception) -> None:
        self._consumer.outage_waits += 1
        log.warning(
            "%s: database unavailable (%s: %s); retrying in %.1fs",
            self._consumer.name,
            type(error).__name__,
            str(error)[:200],
            self._delay,
        )
        await asyncio.sleep(self._delay)
        self._delay = min(self._delay * 2, 15.0)


async def prune_inbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    inbox_model: type[InboxMixin],
    processed_before: datetime,
    batch_size: int = 5_000,
) -> int:
    """Delete inbox rows processed before `processed_before`, a batch per transaction so no
    pass holds locks (or SQLite's one write lock) for long; returns how many went."""
    model, total = inbox_model, 0
    while True:
        oldest = (
            select(model.consumer, model.event_id)
            .where(model.processed_at < processed_before)
            .limit(batch_size)
        )
        async with sessionmaker() as session, session.begin():
            result: Any = await session.execute(
                delete(model).where(tuple_(model.consumer, model.event_id).in_(oldest))
            )
        total += result.rowcount
        if result.rowcount < batch_size:
            return total
        await asyncio.sleep(0)  # let the consumers in between batches


def _runs(
    handlers: Mapping[str, Handler], events: list[AnyEvent]
) -> Iterator[tuple[Handler, list[AnyEvent]]]:
    """Consecutive events of one type, together: a batched handler gets each run whole,
    and events stay in fetched order (a topic partition's records are consecutive)."""
    run: list[AnyEvent] = []
    for event in events:
        if run and run[-1].type != event.type:
            yield handlers[run[0].type], run
            run = []
        run.append(event)
    if run:
        yield handlers[run[0].type], run


async def _call(
    handler: Handler, session: AsyncSession, events: list[AnyEvent], consumer: str
) -> None:
    if tracing.enabled():
        await _call_traced(handler, session, events, consumer)
        return
    if isinstance(handler, Batched):
        await handler.handle(session, events)
        return
    for event in events:
        await handler(session, event)


async def _call_traced(
    handler: Handler, session: AsyncSession, events: list[AnyEvent], consumer: str
) -> None:
    """As _call, each event's handling a span in the trace of the request that caused it."""
    if isinstance(handler, Batched):
        with tracing.consuming_many(consumer, events):
            await handler.handle(session, events)
        return
    for event in events:
        with tracing.consuming_one(consumer, event):
            await handler(session, event)


def _where(record: Record) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"

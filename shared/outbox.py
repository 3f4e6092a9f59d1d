"""Transactional outbox: events are rows written in the same transaction as the state
change, and a relay publishes them to Kafka afterwards. Column names follow Debezium's
outbox convention so a CDC connector could replace the relay in production.

A row the broker will never accept (too large, invalid) would block every row behind it, so
the relay moves it aside (`failed_at`, `failure`) and goes on; `python -m shared.dlq
outbox-retry` puts it back in line. Anything that may pass on a retry (broker down,
timeouts) is retried, never moved aside.
"""

import asyncio
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    PolicyViolationError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnsupportedForMessageFormatError,
)
from sqlalchemy import BigInteger, Integer, Select, String, Text, Uuid, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared import tracing
from shared.db import UtcDateTime
from shared.events import Event, serialise_event, utcnow
from shared.metrics.messaging import OUTBOX_PUBLISHED
from shared.outage import is_database_outage

log = logging.getLogger(__name__)

_OUTBOX_DIRTY = "outbox_dirty"

# Errors about the record itself: sending it again gives the same answer. Deliberately a
# list, not "not retriable": aiokafka marks timeouts and a closed producer non-retriable too,
# and moving rows aside for those would empty the outbox during a broker outage.
_UNPUBLISHABLE: tuple[type[KafkaError], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    InvalidTopicError,
    CorruptRecordException,
    UnsupportedForMessageFormatError,
    InvalidTimestampError,
    PolicyViolationError,
)


class OutboxMixin:
    """Mix into a service's own declarative Base as table `outbox`."""

    __tablename__ = "outbox"

    # SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[UUID] = mapped_column(Uuid, unique=True)
    aggregatetype: Mapped[str] = mapped_column(String(64))
    aggregateid: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when the broker refused the row for good; the relay skips it until it is retried.
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    failure: Mapped[str | None] = mapped_column(Text, nullable=True)


def add_event(
    session: AsyncSession,
    outbox_model: type[OutboxMixin],
    event: Event,
    cause: Event | None = None,
) -> None:
    """Stage an event in the caller's transaction; it is published only if that commits.

    With tracing on, the event carries the current span's traceparent; a batched handler
    passes the event it is answering as `cause`, so the new one joins that event's trace
    rather than the batch's."""
    if tracing.enabled() and event.traceparent is None:
        traceparent = tracing.traceparent_for(cause.event_id if cause is not None else None)
        if traceparent is not None:
            event = event.model_copy(update={"traceparent": traceparent})
    row: Any = outbox_model  # the mixin itself has no constructor; the mapped subclass does
    session.add(
        row(
            id=event.event_id,
            aggregatetype=event.aggregate_type,
            aggregateid=event.aggregate_id,
            type=event.type,  # type: ignore[attr-defined]
            topic=event.topic,
            payload=serialise_event(event).decode(),
        )
    )
    session.info[_OUTBOX_DIRTY] = True


def has_new_events(session: AsyncSession) -> bool:
    return bool(session.info.pop(_OUTBOX_DIRTY, False))


class OutboxRelay:
    """Publishes committed outbox rows in order, in batches, at least once."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox_model: type[OutboxMixin],
        producer: AIOKafkaProducer,
        batch_size: int = 500,
        idle_poll_seconds: float = 0.5,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._model = outbox_model
        self._producer = producer
        self._batch_size = batch_size
        self._idle_poll = idle_poll_seconds
        self._wakeup = asyncio.Event()
        self.published = 0
        self.moved_aside = 0

    def notify(self) -> None:
        """Called after a commit that staged events, so they leave without waiting a poll."""
        self._wakeup.set()

    async def run(self) -> None:
        outage_delay = 1.0
        while True:
            try:
                sent = await self.publish_batch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_database_outage(exc):
                    log.warning("outbox relay: database unavailable (%s); retrying", exc)
                    await asyncio.sleep(outage_delay)
                    outage_delay = min(outage_delay * 2, 15.0)
                else:
                    log.exception("outbox relay failed; retrying")
                    await asyncio.sleep(1.0)
                continue
            outage_delay = 1.0
            if sent < self._batch_size:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self._idle_poll)
                except TimeoutError:
                    pass

    async def publish_batch(self) -> int:
        """Publish the oldest pending rows; returns how many rows it dealt with (published or
        moved aside)."""
        model = self._model
        oldest_first = (
            select(model)
            .where(model.failed_at.is_(None))
            .order_by(model.seq)
            .limit(self._batch_size)
        )
        async with self._sessionmaker() as session:
            if session.get_bind().dialect.name == "sqlite":
                return await self._publish_unlocked(session, oldest_first)
            async with session.begin():
                # Rows stay locked while they are published, so several replicas can relay
                # one table: SKIP LOCKED hands each its own rows, never one row to two.
                rows = (await session.scalars(oldest_first.with_for_update(skip_locked=True))).all()
                failures = await self._publish(rows)
                await self._settle(session, rows, failures)
        return len(rows)

    async def _publish_unlocked(self, session: AsyncSession, oldest_first: Select[Any]) -> int:
        # SQLite has one lock for the whole database: holding it through a Kafka round trip
        # would stall every other writer. So read, let go, publish, then delete. Two
        # processes sharing the file may both publish a row; consumers drop the duplicate.
        async with session.begin():
            rows = (await session.scalars(oldest_first)).all()
        if not rows:
            return 0  # an idle poll must not take the write lock a second time
        failures = await self._publish(rows)
        async with session.begin():
            await self._settle(session, rows, failures)
        return len(rows)

    async def _settle(
        self, session: AsyncSession, rows: Sequence[OutboxMixin], failures: dict[UUID, str]
    ) -> None:
        # By event id, never by seq: SQLite hands a deleted row's seq to the next insert,
        # so deleting by seq could remove an event that arrived meanwhile, unpublished.
        model = self._model
        published = [row.id for row in rows if row.id not in failures]
        if published:
            await session.execute(delete(model).where(model.id.in_(published)))
        now = utcnow()
        for event_id, failure in failures.items():
            await session.execute(
                update(model).where(model.id == event_id).values(failed_at=now, failure=failure)
            )
        self.published += len(published)
        OUTBOX_PUBLISHED.inc(len(published))
        self.moved_aside += len(failures)

    async def _publish(self, rows: Sequence[OutboxMixin]) -> dict[UUID, str]:
        """Send every row; returns the rows the broker refused for good, with the reason.
        Raises when a row failed for a reason a retry may cure: then nothing is settled
        and the whole batch goes again (consumers drop what was already delivered)."""
        outcomes = await self._send_all(rows)
        suspects = [row for row, error in zip(rows, outcomes, strict=True) if error is not None]
        for error in outcomes:
            if error is not None and not _unpublishable(error):
                raise error
        # A broker refuses a whole produce request for one bad record, so retry the refused
        # rows one at a time: only the culprit is moved aside.
        failures: dict[UUID, str] = {}
        for row in suspects:
            try:
                await (await self._send(row))
            except Exception as exc:
                if not _unpublishable(exc):
                    raise
                failures[row.id] = f"{type(exc).__name__}: {exc}"[:2000]
                log.error(
                    "outbox event %s (%s to %s, %d bytes) cannot be published; moved aside: %s",
                    row.id,
                    row.type,
                    row.topic,
                    len(row.payload),
                    failures[row.id],
                )
        return failures

    async def _send_all(self, rows: Sequence[OutboxMixin]) -> list[BaseException | None]:
        futures: list[asyncio.Future[Any]] = []
        for row in rows:
            try:
                futures.append(await self._send(row))
            except Exception as exc:  # refused before it left: too large, not encodable
                failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                failed.set_exception(exc)
                futures.append(failed)
        results = await asyncio.gather(*futures, return_exceptions=True)
        return [result if isinstance(result, BaseException) else None for result in results]

    async def _send(self, row: OutboxMixin) -> asyncio.Future[Any]:
        headers = [("event_type", row.type.encode()), ("event_id", str(row.id).encode())]
        if tracing.enabled() and (traceparent := _traceparent_in(row.payload)) is not None:
            # For whatever reads the topic without parsing payloads (tools, other languages).
            headers.append(("traceparent", traceparent.encode()))
        return await self._producer.send(
            row.topic, value=row.payload.encode(), key=row.aggregateid.encode(), headers=headers
        )


_TRACEPARENT_FIELD = '"traceparent":"'
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def _traceparent_in(payload: str) -> str | None:
    """The event's traceparent, found without parsing the payload: the relay publishes
    hundreds of rows a second, and with tracing off the field is never written. Written by
    serialise_event (compact JSON) before any event's own fields, from a value the
    propagator produced; checked all the same, as a nested key of that name could match."""
    start = payload.find(_TRACEPARENT_FIELD)
    if start < 0:
        return None
    start += len(_TRACEPARENT_FIELD)
    candidate = payload[start : payload.find('"', start)]
    return candidate if _TRACEPARENT.fullmatch(candidate) else None


def _unpublishable(error: BaseException) -> bool:
    if isinstance(error, KafkaError):
        return isinstance(error, _UNPUBLISHABLE)
    # Building the record failed (a payload with a lone surrogate doesn't encode): no retry
    # changes that. Nothing broader: a bug of ours would otherwise move every row aside.
    return isinstance(error, UnicodeError)


async def retry_moved_aside(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox_model: type[OutboxMixin],
    event_ids: Sequence[UUID] = (),
) -> int:
    """Put moved-aside rows (all, or those with `event_ids`) back in line for the relay;
    they keep their place, so they go out first. Returns how many."""
    model = outbox_model
    statement = update(model).where(model.failed_at.is_not(None))
    if event_ids:
        statement = statement.where(model.id.in_(event_ids))
    async with sessionmaker() as session, session.begin():
        result: Any = await session.execute(statement.values(failed_at=None, failure=None))
    return int(result.rowcount)

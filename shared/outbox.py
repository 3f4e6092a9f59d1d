"""Transactional outbox: events are rows written in the same transaction as the state
change, and a relay publishes them to Kafka afterwards. Column names follow Debezium's
outbox convention so a CDC connector could replace the relay in production.
"""

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from sqlalchemy import BigInteger, Integer, Select, String, Text, Uuid, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UtcDateTime
from shared.events import Event, serialise_event, utcnow

log = logging.getLogger(__name__)

_OUTBOX_DIRTY = "outbox_dirty"


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


def add_event(session: AsyncSession, outbox_model: type[OutboxMixin], event: Event) -> None:
    """Stage an event in the caller's transaction; it is published only if that commits."""
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

    def notify(self) -> None:
        """Called after a commit that staged events, so they leave without waiting a poll."""
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.publish_batch()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if sent < self._batch_size:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self._idle_poll)
                except TimeoutError:
                    pass

    async def publish_batch(self) -> int:
        model = self._model
        oldest_first = select(model).order_by(model.seq).limit(self._batch_size)
        async with self._sessionmaker() as session:
            if session.get_bind().dialect.name == "sqlite":
                return await self._publish_unlocked(session, oldest_first)
            async with session.begin():
                # Rows stay locked while they are published, so several replicas can relay
                # one table: SKIP LOCKED hands each its own rows, never one row to two.
                rows = (await session.scalars(oldest_first.with_for_update(skip_locked=True))).all()
                await self._publish(rows)
                await session.execute(delete(model).where(model.id.in_([r.id for r in rows])))
        self.published += len(rows)
        return len(rows)

    async def _publish_unlocked(self, session: AsyncSession, oldest_first: Select[Any]) -> int:
        # SQLite has one lock for the whole database: holding it through a Kafka round trip
        # would stall every other writer. So read, let go, publish, then delete. Two
        # processes sharing the file may both publish a row; consumers drop the duplicate.
        async with session.begin():
            rows = (await session.scalars(oldest_first)).all()
        if not rows:
            return 0  # an idle poll must not take the write lock a second time
        await self._publish(rows)
        # By event id, never by seq: SQLite hands a deleted row's seq to the next insert,
        # so deleting by seq could remove an event that arrived meanwhile, unpublished.
        async with session.begin():
            await session.execute(
                delete(self._model).where(self._model.id.in_([r.id for r in rows]))
            )
        self.published += len(rows)
        return len(rows)

    async def _publish(self, rows: Sequence[OutboxMixin]) -> None:
        futures = [
            await self._producer.send(
                row.topic,
                value=row.payload.encode(),
                key=row.aggregateid.encode(),
                headers=[("event_type", row.type.encode()), ("event_id", str(row.id).encode())],
            )
            for row in rows
        ]
        await asyncio.gather(*futures)

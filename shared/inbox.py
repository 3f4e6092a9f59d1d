"""Inbox consumer: each event is handled once per consumer, in the handler's own transaction.

The event id is inserted into `inbox` in the same transaction as the handler's changes, so a
redelivered event (relay retry, rebalance, crash before the offset commit) is dropped. Offsets
are committed only after the database commit. An event that keeps failing goes to the
topic's dead-letter topic instead of blocking its partition forever.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import String, Uuid
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UtcDateTime, upsert_insert
from shared.events import AnyEvent, dead_letter_topic, parse_event, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Any], Awaitable[None]]


class InboxMixin:
    """Mix into a service's own declarative Base as table `inbox`."""

    __tablename__ = "inbox"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


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
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0

    async def run(self) -> None:
        while True:
            try:
                await self._poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A failed commit (rebalance) or dead-letter send must not end the consumer:
                # uncommitted events come again and the inbox drops what was already done.
                log.exception("%s: consumer loop failed; continuing", self.name)
                await asyncio.sleep(1.0)

    async def _poll_once(self) -> None:
        batches = await self._consumer.getmany(timeout_ms=500, max_records=self._batch_size)
        records = [record for partition in batches.values() for record in partition]
        if records:
            await self.process(records)
            await self._consumer.commit()

    async def process(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        wanted = [record for record in records if self._event_type(record) in self._handlers]
        if not wanted:
            return
        # One transaction for the whole batch is the fast path; if any event in it fails,
        # fall back to one transaction per event so a single bad event can't block the rest.
        try:
            async with self._sessionmaker() as session, session.begin():
                events = [self._decode(record) for record in wanted]
                fresh = await self._claim_many(session, [event.event_id for event in events])
                for event in events:
                    if event.event_id not in fresh:
                        self.duplicates += 1
                        continue
                    fresh.discard(event.event_id)  # the same event twice in one batch
                    await self._handlers[event.type](session, event)
                    self.handled += 1
        except Exception:
            log.warning("%s: batch of %d failed, retrying one by one", self.name, len(wanted))
            for record in wanted:
                await self._process_one(record)
        self._after_commit()

    async def _process_one(self, record: ConsumerRecord[Any, Any]) -> None:
        attempt, outage_delay = 0, 0.5
        while True:
            try:
                async with self._sessionmaker() as session, session.begin():
                    await self._handle(session, self._decode(record))
                return
            except PoisonEvent as exc:
                await self._dead_letter(record, exc)
                return
            except (OperationalError, InterfaceError):
                # The database is down, not the event bad: wait it out however long it takes,
                # rather than dead-letter every event that arrives during the outage.
                log.warning("%s: database unavailable; retrying in %.1fs", self.name, outage_delay)
                await asyncio.sleep(outage_delay)
                outage_delay = min(outage_delay * 2, 15.0)
            except Exception as exc:
                attempt += 1
                if attempt >= self._max_attempts:
                    log.exception("%s: giving up on event at %s", self.name, _where(record))
                    await self._dead_letter(record, exc)
                    return
                await asyncio.sleep(min(0.1 * 2**attempt, 5.0))

    async def _handle(self, session: AsyncSession, event: AnyEvent) -> None:
        if not await self._claim(session, event.event_id):
            self.duplicates += 1
            return
        await self._handlers[event.type](session, event)
        self.handled += 1

    async def _claim(self, session: AsyncSession, event_id: UUID) -> bool:
        return event_id in await self._claim_many(session, [event_id])

    async def _claim_many(self, session: AsyncSession, event_ids: list[UUID]) -> set[UUID]:
        """Record the events as handled by this consumer; returns those not seen before.
        One statement for a whole batch: a round trip per event was a fifth of the work."""
        now = utcnow()
        statement = (
            upsert_insert(session, self._inbox)
            .values(
                [{"consumer": self.name, "event_id": e, "processed_at": now} for e in event_ids]
            )
            .on_conflict_do_nothing()
            .returning(self._inbox.event_id)
        )
        return set((await session.scalars(statement)).all())

    def _decode(self, record: ConsumerRecord[Any, Any]) -> AnyEvent:
        try:
            return parse_event(record.value)
        except ValidationError as exc:
            raise PoisonEvent(str(exc)) from exc

    @staticmethod
    def _event_type(record: ConsumerRecord[Any, Any]) -> str | None:
        for key, value in record.headers or ():
            if key == "event_type":
                return bytes(value).decode()
        try:
            return parse_event(record.value).type
        except ValidationError:
            return None

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], error: Exception) -> None:
        self.dead_lettered += 1
        headers = [*(record.headers or ()), ("error", repr(error)[:1000].encode())]
        headers.append(("failed_at", utcnow().isoformat().encode()))
        await self._dead_letters.send_and_wait(
            dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
        )


def _where(record: ConsumerRecord[Any, Any]) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"

"""The outbox relay never loses an event, even with two relays on one SQLite file (dispatch's
HTTP process and its SMPP connector share one), where SQLite reuses the row ids of deleted
rows."""

import asyncio
from collections.abc import Sequence
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy.orm import DeclarativeBase

from shared.db import create_engine, create_sessionmaker, new_metadata
from shared.events import AccountRegistered, parse_event
from shared.kafka import ensure_topics, new_consumer, new_producer
from shared.outbox import OutboxMixin, OutboxRelay, add_event

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Base(DeclarativeBase):
    metadata = new_metadata()


class Outbox(OutboxMixin, Base):
    pass


def registered() -> AccountRegistered:
    return AccountRegistered(account_id=uuid4(), email="a@example.com", company_name="A")


async def test_two_relays_on_sqlite_lose_nothing(broker: str, tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/outbox.db")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = create_sessionmaker(engine)
    await ensure_topics(broker, [AccountRegistered.topic], 1)
    producer = new_producer(broker)
    await producer.start()
    other = OutboxRelay(sessions, Outbox, producer)
    late_events: list[AccountRegistered] = []

    class SlowRelay(OutboxRelay):
        async def _publish(self, rows: Sequence[OutboxMixin]) -> dict[UUID, str]:
            # While this relay is mid-publish, the other one publishes and deletes the same
            # rows, and new events arrive: on SQLite they get the freed row ids back.
            await other.publish_batch()
            async with sessions() as session, session.begin():
                late_events.extend(registered() for _ in range(3))
                for event in late_events:
                    add_event(session, Outbox, event)
            return await super()._publish(rows)

    first_events = [registered() for _ in range(3)]
    async with sessions() as session, session.begin():
        for event in first_events:
            add_event(session, Outbox, event)
    await SlowRelay(sessions, Outbox, producer).publish_batch()
    await other.publish_batch()
    await producer.stop()
    await engine.dispose()

    wanted = {e.event_id for e in first_events + late_events}
    assert wanted <= await _published_ids(broker, len(wanted))


async def _published_ids(broker: str, at_least: int) -> set[UUID]:
    consumer = new_consumer(broker, f"relay-test-{uuid4()}", AccountRegistered.topic)
    await consumer.start()
    seen: set[UUID] = set()
    try:
        async with asyncio.timeout(20):
            while len(seen) < at_least:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    seen.update(parse_event(record.value).event_id for record in records)
    except TimeoutError:
        pass  # the assertion names what is missing
    finally:
        await consumer.stop()
    return seen

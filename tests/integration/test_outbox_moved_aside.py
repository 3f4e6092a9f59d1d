"""An outbox row the broker will never take is moved aside, with the reason, and the relay
goes on with the rows behind it; once the cause is fixed, `python -m shared.dlq
outbox-retry` puts it back in line. A broker that is down moves nothing aside."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.db import Outbox
from devstack.broker import start_broker
from shared.db import create_engine, create_sessionmaker
from shared.events import AccountRegistered, parse_event, serialise_event
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay
from tests.support.databases import ROOT, Databases, migrate
from tests.support.inbox import new_topic, read_topic

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(params=["postgresql", "sqlite"])
async def database_url(request: pytest.FixtureRequest, databases: Databases, tmp_path: Path) -> str:
    # Both relay paths: row locks on PostgreSQL, read-publish-settle on SQLite.
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/auth.db"
        await asyncio.to_thread(migrate, "auth", url)
        return url
    if databases.backend != "postgresql":
        pytest.skip("PostgreSQL is not reachable")
    return await databases.create("auth")


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def registered(company_name: str = "A") -> AccountRegistered:
    return AccountRegistered(account_id=uuid4(), email="a@example.com", company_name=company_name)


async def stage(
    sessions: async_sessionmaker[AsyncSession], topic: str, events: list[AccountRegistered]
) -> None:
    """Outbox rows as add_event writes them, but for the test's own topic."""
    async with sessions() as session, session.begin():
        for event in events:
            session.add(
                Outbox(
                    id=event.event_id,
                    aggregatetype=event.aggregate_type,
                    aggregateid=event.aggregate_id,
                    type=event.type,
                    topic=topic,
                    payload=serialise_event(event).decode(),
                )
            )


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessions() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.seq))).all())


async def started_producer(broker: str, **options: int) -> AIOKafkaProducer:
    producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all", **options)
    await producer.start()
    return producer


async def published_ids(broker: str, topic: str) -> list[UUID]:
    return [parse_event(record.value).event_id for record in await read_topic(broker, topic)]


async def dlq_command(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.dlq", *args,
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_row_too_large_for_the_broker_is_moved_aside_and_the_rest_published(
    broker: str, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    topic = await new_topic(broker, "test.outbox.aside")
    before, huge, after = registered(), registered("x" * 2_000_000), registered()
    await stage(sessions, topic, [before, huge, after])
    producer = await started_producer(broker)  # the default 1 MiB limit, as the broker's
    try:
        relay = OutboxRelay(sessions, Outbox, producer)
        assert await relay.publish_batch() == 3
        assert await relay.publish_batch() == 0  # nothing blocks behind the bad row
    finally:
        await producer.stop()
    assert await published_ids(broker, topic) == [before.event_id, after.event_id]
    [aside] = await outbox_rows(sessions)
    assert aside.id == huge.event_id
    assert aside.failed_at is not None
    assert aside.failure is not None
    assert "MessageSizeTooLarge" in aside.failure
    assert relay.moved_aside == 1

    listing = await dlq_command("outbox-list", "--database-url", database_url)
    assert str(huge.event_id) in listing
    assert "1 outbox rows moved aside" in listing
    # The cause is fixed (the limit raised), the row is put back in line and goes out.
    retried = await dlq_command("outbox-retry", "--database-url", database_url)
    assert "1 outbox rows back in line" in retried
    producer = await started_producer(broker, max_request_size=4 * 1024 * 1024)
    try:
        assert await OutboxRelay(sessions, Outbox, producer).publish_batch() == 1
    finally:
        await producer.stop()
    assert await published_ids(broker, topic) == [e.event_id for e in (before, after, huge)]
    assert await outbox_rows(sessions) == []


async def test_a_broker_that_is_down_moves_nothing_aside(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    process, address = start_broker()  # a broker of this test's own, to stop
    try:
        await ensure_topics(address, ["test.outbox.down"], 1)
        producer = await started_producer(address, request_timeout_ms=2_000)
        relay = OutboxRelay(sessions, Outbox, producer)
        await stage(sessions, "test.outbox.down", [registered()])
        assert await relay.publish_batch() == 1  # the producer knows the topic now
        event = registered()
        await stage(sessions, "test.outbox.down", [event])
        process.terminate()
        process.wait(10)
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the client raises
            async with asyncio.timeout(60):
                await relay.publish_batch()
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(10)
    async with asyncio.timeout(30):
        await producer.stop()
    [row] = await outbox_rows(sessions)
    assert row.id == event.event_id
    assert row.failed_at is None
    assert relay.moved_aside == 0

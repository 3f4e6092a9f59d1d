"""A PostgreSQL restart dead-letters nothing: the inbox consumer waits the outage out and
then handles every event that arrived meanwhile. Against a PostgreSQL of the test's own,
stopped for real, so the errors are exactly what asyncpg raises."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Inbox
from shared.db import create_engine, create_sessionmaker
from shared.events import AccountRegistered, dead_letter_topic
from shared.kafka import new_producer
from shared.outage import is_database_outage
from tests.support.databases import migrate
from tests.support.inbox import (
    eventually,
    inbox_ids,
    new_topic,
    publish_event,
    read_topic,
    running_inbox,
)
from tests.support.postgres_server import PostgresServer, postgres_bin_dir, temporary_postgres

# Only the tests that run a PostgreSQL of their own; the classification checks need none.
needs_postgres_binaries = pytest.mark.skipif(
    postgres_bin_dir() is None, reason="no PostgreSQL binaries to run"
)


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    with temporary_postgres() as server:
        yield server


@pytest.fixture
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = new_producer(broker)
    await producer.start()
    yield producer
    await producer.stop()


def registered() -> AccountRegistered:
    return AccountRegistered(account_id=uuid4(), email="a@example.com", company_name="A")


@pytest.mark.asyncio(loop_scope="session")
@needs_postgres_binaries
async def test_a_database_restart_dead_letters_nothing(
    broker: str, server: PostgresServer, producer: AIOKafkaProducer
) -> None:
    url = await asyncio.to_thread(server.create_database, "billing")
    await asyncio.to_thread(migrate, "billing", url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    topic = await new_topic(broker, "test.inbox.outage")
    before, during = registered(), [registered() for _ in range(3)]

    async def on_registered(session: AsyncSession, event: AccountRegistered) -> None:
        pass  # the inbox claim in the same transaction is what needs the database

    try:
        # Few attempts, so events would be dead-lettered within a second if an outage
        # counted as the events' failure.
        async with running_inbox(
            broker, topic, sessions, Inbox, {"account.registered": on_registered}, max_attempts=2
        ) as consumer:
            await publish_event(producer, topic, before)
            assert await eventually(lambda: consumer.handled == 1)  # the pool holds connections

            # `fast` terminates the pooled connections (AdminShutdownError), then every
            # new connection is refused (ConnectionRefusedError).
            await asyncio.to_thread(server.stop, "fast")
            for event in during:
                await publish_event(producer, topic, event)
            await eventually(lambda: consumer.dead_lettered > 0, timeout=5)
            await asyncio.to_thread(server.start)

            handled = {before.event_id, *(event.event_id for event in during)}
            assert await eventually(lambda: consumer.handled == 4, timeout=60)
            assert consumer.dead_lettered == 0
            assert consumer.outage_waits > 0
        assert await inbox_ids(sessions, Inbox, consumer.name) == handled
    finally:
        await engine.dispose()
    assert await read_topic(broker, dead_letter_topic(topic)) == []


@pytest.mark.asyncio(loop_scope="session")
@needs_postgres_binaries
async def test_what_asyncpg_raises_for_a_stopped_server_counts_as_an_outage(
    server: PostgresServer,
) -> None:
    from sqlalchemy import text

    url = await asyncio.to_thread(server.create_database, "probe")
    engine = create_engine(url)
    errors: list[BaseException] = []

    async def select_one() -> None:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            errors.append(exc)

    try:
        await select_one()  # a pooled connection
        assert errors == []
        await asyncio.to_thread(server.stop, "fast")
        await select_one()  # the pooled connection was terminated
        await select_one()  # a new one is refused
    finally:
        await engine.dispose()
    assert len(errors) == 2
    assert all(is_database_outage(error) for error in errors), [repr(e) for e in errors]
    assert not is_database_outage(ValueError("a bug"))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        DBAPIError("SELECT 1", None, asyncpg.exceptions.CannotConnectNowError("starting up")),
        ConnectionResetError(104, "reset by peer"),
    ],
    ids=repr,
)
def test_failover_errors_count_as_an_outage(error: Exception) -> None:
    assert is_database_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        DBAPIError("INSERT", None, asyncpg.exceptions.NotNullViolationError("null value")),
        ValueError("a bug in a handler"),
    ],
    ids=repr,
)
def test_errors_of_the_work_itself_are_no_outage(error: Exception) -> None:
    assert not is_database_outage(error)

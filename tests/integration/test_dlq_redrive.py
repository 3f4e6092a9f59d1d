"""Dead letters can be re-driven once the cause is fixed: poison -> DLQ -> fix -> `python -m
shared.dlq redrive` -> handled, by the consumer that failed only, and running the command
again re-drives nothing twice."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.db import Inbox
from shared.db import create_engine, create_sessionmaker
from shared.events import AccountRegistered, dead_letter_topic
from shared.kafka import new_producer
from tests.support.databases import ROOT, Databases
from tests.support.inbox import (
    eventually,
    headers_of,
    inbox_ids,
    new_topic,
    publish_event,
    read_topic,
    running_inbox,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("billing"))
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = new_producer(broker)
    await producer.start()
    yield producer
    await producer.stop()


async def dlq_command(*args: str) -> str:
    """Run the operator's command as a process, the way an operator would."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.dlq", *args,
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(90):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_dead_letters_are_redriven_once_the_cause_is_fixed(
    broker: str, sessions: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer
) -> None:
    topic = await new_topic(broker, "test.dlq.redrive")
    dlq = dead_letter_topic(topic)
    events = [
        AccountRegistered(account_id=uuid4(), email=f"{n}@example.com", company_name="A")
        for n in range(2)
    ]
    downstream_broken = True

    async def on_registered(session: AsyncSession, event: AccountRegistered) -> None:
        if downstream_broken:
            raise RuntimeError("downstream is broken")

    async def on_registered_elsewhere(session: AsyncSession, event: AccountRegistered) -> None:
        pass  # another service's consumer group on the same topic, which never failed

    async with (
        running_inbox(
            broker, topic, sessions, Inbox, {"account.registered": on_registered}, max_attempts=1
        ) as consumer,
        running_inbox(
            broker, topic, sessions, Inbox, {"account.registered": on_registered_elsewhere}
        ) as elsewhere,
    ):
        for event in events:
            await publish_event(producer, topic, event)
        assert await eventually(lambda: consumer.dead_lettered == 2)
        listing = await dlq_command("list", "--topic", dlq, "--bootstrap-servers", broker)
        assert listing.count("pending handler_failed") == 2, listing
        assert all(str(event.event_id) in listing for event in events)

        downstream_broken = False
        redrive = ["redrive", "--topic", dlq, "--bootstrap-servers", broker]
        assert "re-drove 2 records" in await dlq_command(*redrive)
        wanted = {event.event_id for event in events}

        async def all_handled() -> bool:
            return await inbox_ids(sessions, Inbox, consumer.name) == wanted

        assert await eventually(all_handled)
        assert "re-drove 0 records" in await dlq_command(*redrive)
        listing = await dlq_command("list", "--topic", dlq, "--bootstrap-servers", broker)
        assert "2 dead letters, 0 pending" in listing, listing
        await asyncio.sleep(1)  # a second copy, had there been one, would arrive by now
        assert consumer.handled == 2
        assert consumer.duplicates == 0
        # The consumer that had handled them never sees the re-driven copies, so nothing
        # depends on its inbox still holding their ids.
        assert elsewhere.handled == 2
        assert elsewhere.duplicates == 0

    redriven = [headers_of(r) for r in await read_topic(broker, topic)][2:]
    assert len(redriven) == 2
    assert all("redriven_at" in h and "error_code" not in h for h in redriven)
    assert all(h["redriven_for"] == consumer.name for h in redriven)
    assert all(h["event_type"] == "account.registered" for h in redriven)

"""The service runtime prunes inbox ids past the retention window, in bounded batches, and
keeps the recent ones that still drop redeliveries."""

from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from billing_service.db import Inbox, Outbox
from shared.db import create_engine, create_sessionmaker
from shared.events import utcnow
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_old_inbox_ids_are_pruned_and_recent_ones_stay(
    databases: Databases, broker: str
) -> None:
    url = await databases.create("billing")
    now = utcnow()
    old = {uuid4(): now - timedelta(days=days) for days in (7.5, 8, 30, 60, 365)}
    recent = {uuid4(): now - timedelta(days=days) for days in (0, 1, 6.5)}
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        for event_id, processed_at in {**old, **recent}.items():
            session.add(Inbox(consumer="billing", event_id=event_id, processed_at=processed_at))

    async def remaining() -> set[UUID]:
        async with sessions() as session:
            return set((await session.scalars(select(Inbox.event_id))).all())

    settings = ServiceSettings(
        database_url=url,
        kafka_bootstrap_servers=broker,
        create_topics=False,
        inbox_retention_days=7,
        inbox_prune_interval_seconds=0.2,
        inbox_prune_batch_size=2,  # five old rows: three batches
    )
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox, inbox_model=Inbox)
    await runtime.start()
    try:

        async def old_ones_gone() -> bool:
            return not (await remaining()) & old.keys()

        assert await eventually(old_ones_gone, timeout=30, every=0.2)
    finally:
        await runtime.stop()
        left = await remaining()
        await engine.dispose()
    assert left == set(recent)

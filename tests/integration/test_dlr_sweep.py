"""Sweeping stale pending receipts, against the service's own migrated database."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.receipts.matching import MatchWindow
from dlr_service.receipts.models import PendingReceipt, ReceiptRecord
from dlr_service.receipts.service import record_receipts, sweep_pending
from dlr_service.receipts.sweeper import PendingReceiptSweeper
from shared.db import create_engine, create_sessionmaker
from shared.events import DeliverSmReceived
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WINDOW = MatchWindow(before=timedelta(hours=72), after=timedelta(minutes=10))
DAY = timedelta(hours=24)


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("dlr"))
    yield create_sessionmaker(engine)
    await engine.dispose()


def receipt(received_at: datetime) -> DeliverSmReceived:
    text = f"id:{uuid4().hex} stat:DELIVRD err:000"
    return DeliverSmReceived(
        source_addr="447700900001",
        destination_addr="SMSGW",
        esm_class=0x04,
        data_coding=0,
        short_message_hex=text.encode().hex(),
        text=text,
        received_at=received_at,
    )


async def park(sessions: async_sessionmaker[AsyncSession], *ages: timedelta) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await record_receipts(session, [receipt(now - age) for age in ages], WINDOW)


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_stale_receipts_are_swept_in_bounded_batches_and_young_ones_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # One test, one database: on SQLite the run's databases for a service share one file.
    await park(sessions, timedelta(hours=1), *[DAY + timedelta(minutes=n) for n in range(5)])

    async with sessions() as session, session.begin():
        assert await sweep_pending(session, datetime.now(UTC) - DAY, limit=2) == 2
    assert await count(sessions, PendingReceipt) == 4

    sweeper = PendingReceiptSweeper(sessions, ttl=DAY, batch_size=2)
    assert await sweeper.sweep() == 3  # two batches in one round: 2, then 1

    assert await count(sessions, PendingReceipt) == 1
    async with sessions() as session:
        outcomes = (await session.scalars(select(ReceiptRecord.match_status))).all()
    assert outcomes == ["unmatched"] * 5
    assert await sweeper.sweep() == 0

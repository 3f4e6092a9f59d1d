"""Outbox depth and age and inbox size, measured every `metrics_interval_seconds` by a
periodic job of the runtime rather than at scrape time: the collectors are synchronous and
a scrape must never wait on the database."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events import utcnow
from shared.inbox import InboxMixin
from shared.metrics.messaging import INBOX_ROWS, OUTBOX_FAILED, OUTBOX_OLDEST_AGE, OUTBOX_PENDING
from shared.outbox import OutboxMixin


async def measure(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: type[OutboxMixin],
    inbox: type[InboxMixin] | None,
) -> None:
    async with sessionmaker() as session:
        pending, oldest = (
            await session.execute(
                select(func.count(), func.min(outbox.created_at)).where(outbox.failed_at.is_(None))
            )
        ).one()
        failed = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.failed_at.is_not(None))
        )
        OUTBOX_PENDING.set(pending)
        OUTBOX_OLDEST_AGE.set(_age(oldest))
        OUTBOX_FAILED.set(failed or 0)
        if inbox is not None:
            INBOX_ROWS.set(await _rows(session, inbox))


def _age(oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite's naive UTC
        oldest = oldest.replace(tzinfo=utcnow().tzinfo)
    return max((utcnow() - oldest).total_seconds(), 0.0)


async def _rows(session: AsyncSession, inbox: type[InboxMixin]) -> int:
    if session.get_bind().dialect.name == "postgresql":
        # Millions of ids over a week: count(*) would scan them every interval.
        estimate: Any = await session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"),
            {"table": InboxMixin.__tablename__},
        )
        return max(int(estimate or 0), 0)
    return int(await session.scalar(select(func.count()).select_from(inbox)) or 0)

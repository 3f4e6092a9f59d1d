"""Timestamps come back timezone-aware UTC from SQLite too, so the API never renders a
timestamp without its zone."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from shared.db import UtcDateTime, create_engine

events = Table(
    "events", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime)
)


async def test_sqlite_returns_aware_utc(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    moscow = timezone(timedelta(hours=3))
    written = datetime(2026, 11, 22, 7, 30, tzinfo=moscow)
    async with engine.begin() as connection:
        await connection.run_sync(events.metadata.create_all)
        await connection.execute(insert(events).values(id=1, at=written))
        read = (await connection.execute(select(events.c.at))).scalar_one()
    await engine.dispose()

    assert read.tzinfo is not None
    assert read == written
    assert read.utcoffset() == timedelta(0)
    assert read.isoformat().endswith("+00:00")
    assert read.astimezone(UTC).hour == 4

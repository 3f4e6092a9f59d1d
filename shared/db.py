"""Async engine and session handling shared by every service.

One request-scoped session commits at the end of the request and rolls back on error;
services and routers never commit themselves.
"""

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on PostgreSQL and SQLite alike.

    SQLite stores no offset and hands back naive datetimes, which the API would then
    render without a zone; this stores UTC and reads it back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class SharedBase(DeclarativeBase):
    """Marker base; each service derives its own Base with its own metadata."""

    __abstract__ = True


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Bound parameters are phone numbers and message text; keep them out of the
    # exception messages that end up in logs and dead-letter headers.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pool_recycle rather than pool_pre_ping: a ping is a round trip on every checkout.
        return create_async_engine(url, pool_recycle=1800, pool_size=10, max_overflow=10, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _make_sqlite_serialisable(engine)
    return engine


def _make_sqlite_serialisable(engine: AsyncEngine) -> None:
    # SQLite's deferred transactions fail with "database is locked" when two connections
    # both read and then try to write; BEGIN IMMEDIATE takes the write lock up front so
    # concurrent transactions queue on busy_timeout instead.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # A deleted row's bytes are overwritten, not left in free pages: erased personal
        # data (R17) must not linger in the file (shared.erasure checkpoints the WAL).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def upsert_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT: both dialects spell it the same way, but
    SQLAlchemy keeps it on each dialect's own insert()."""
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(table)


async def upsert_newest(
    session: AsyncSession, table: Any, key: Sequence[str], rows: Iterable[dict[str, Any]]
) -> None:
    """Store the newest row per `key` among `rows` (each with a `changed_at`), unless the
    stored one is newer: how a projection applies a run of "latest state" events, so a
    replayed older event never overwrites a newer one. One statement for the whole run; of
    equally new rows the last, as given, wins."""
    newest: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        row_key = tuple(row[column] for column in key)
        seen = newest.get(row_key)
        if seen is None or row["changed_at"] >= seen["changed_at"]:
            newest[row_key] = row
    if not newest:
        return
    insert = upsert_insert(session, table)
    first = next(iter(newest.values()))
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[column] for column in key],
        set_={column: insert.excluded[column] for column in first if column not in key},
        where=insert.excluded.changed_at >= table.c.changed_at,
    )
    await session.execute(statement, list(newest.values()))


async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
    after_commit: Callable[[AsyncSession], None] | None = None,
) -> AsyncIterator[AsyncSession]:
    """Yield a session that commits when the caller finishes and rolls back on error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        if after_commit is not None:
            after_commit(session)

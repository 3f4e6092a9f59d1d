"""Outbox rows the relay moved aside (the broker refused them): list them, and put them
back in line once the cause is fixed. Works on any service's database: every outbox has
the same columns."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import DeclarativeBase

from shared.db import create_engine, create_sessionmaker, new_metadata
from shared.outbox import OutboxMixin, retry_moved_aside


class _Base(DeclarativeBase):
    metadata = new_metadata()


class _Outbox(OutboxMixin, _Base):
    """The table as every service has it; only this tool maps it outside a service."""


@dataclass(frozen=True)
class MovedAside:
    event_id: UUID
    type: str
    topic: str
    size: int
    failed_at: datetime | None
    failure: str | None

    def line(self) -> str:
        at = self.failed_at.isoformat() if self.failed_at else "-"
        where = f"{self.type} to {self.topic} ({self.size} chars)"
        return f"{self.event_id} {where} at {at}: {self.failure}"


async def list_moved_aside(database_url: str) -> list[MovedAside]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(
                    _Outbox.id,
                    _Outbox.type,
                    _Outbox.topic,
                    func.length(_Outbox.payload),
                    _Outbox.failed_at,
                    _Outbox.failure,
                )
                .where(_Outbox.failed_at.is_not(None))
                .order_by(_Outbox.seq)
            )
            return [MovedAside(*row) for row in rows]
    finally:
        await engine.dispose()


async def retry(database_url: str, event_ids: list[UUID]) -> int:
    engine = create_engine(database_url)
    try:
        return await retry_moved_aside(create_sessionmaker(engine), _Outbox, event_ids)
    finally:
        await engine.dispose()

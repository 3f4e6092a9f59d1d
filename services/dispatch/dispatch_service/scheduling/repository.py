from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from dispatch_service.messages.models import Message
from shared.db import is_postgres


async def lock_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Message]:
    """Scheduled messages whose time has come, oldest first, locked: several dispatch
    processes release side by side, SKIP LOCKED hands each its own."""
    statement = (
        select(Message)
        .options(selectinload(Message.parts))
        # Spelt as the partial index's predicate, so PostgreSQL can use it.
        .where(literal_column("messages.status = 'scheduled'"), Message.send_at <= now)
        .order_by(Message.send_at)
        .limit(limit)
    )
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True, of=Message)
    return (await session.scalars(statement)).all()

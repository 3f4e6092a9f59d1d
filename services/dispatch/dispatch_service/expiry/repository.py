"""The SQL of the receipt deadline sweep and the stuck-parts report."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnClause

from dispatch_service.messages.models import Message, MessagePart

# Literals, not bound parameters: PostgreSQL only uses a partial index when it can prove
# the predicate, which a generic prepared plan with $1 can't.
_SENT: ColumnClause[str] = literal_column("'sent'")
_QUEUED: ColumnClause[str] = literal_column("'queued'")
_ACCEPTED: ColumnClause[str] = literal_column("'accepted'")


async def lock_overdue(
    session: AsyncSession, submitted_before: datetime, limit: int
) -> Sequence[Message]:
    """Up to `limit` messages with a part sent before `submitted_before` and still waiting
    for its receipt, with all their parts, locked until the transaction ends.

    SKIP LOCKED: a message being updated right now (a receipt, another instance's sweep) is
    left for the next sweep instead of holding this one up; two sweepers never wait for
    each other, so they can't deadlock either.
    """
    overdue = select(MessagePart.message_id).where(
        MessagePart.status == _SENT, MessagePart.submitted_at < submitted_before
    )
    statement = (
        select(Message)
        .where(Message.id.in_(overdue))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .options(selectinload(Message.parts))
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).all()


@dataclass(frozen=True, slots=True)
class Waiting:
    """Parts waiting in one status since before some moment."""

    parts: int
    oldest: datetime | None
    examples: tuple[UUID, ...]  # a few of their messages, oldest first


async def waiting_for_billing(session: AsyncSession, since: datetime, examples: int) -> Waiting:
    """Parts of messages accepted before `since` that billing still hasn't answered for."""
    where = (Message.status == _ACCEPTED, Message.created_at < since)
    count, oldest = (
        await session.execute(
            select(
                func.coalesce(func.sum(Message.segments), 0), func.min(Message.created_at)
            ).where(*where)
        )
    ).one()
    ids = await session.scalars(
        select(Message.id).where(*where).order_by(Message.created_at).limit(examples)
    )
    return Waiting(int(count), oldest, tuple(ids))


async def waiting_for_smsc(session: AsyncSession, since: datetime, examples: int) -> Waiting:
    """Parts queued before `since` that were never handed to the SMSC."""
    joined = select(MessagePart.message_id).join(Message, Message.id == MessagePart.message_id)
    where = (MessagePart.status == _QUEUED, Message.queued_at < since)
    count, oldest = (
        await session.execute(
            joined.with_only_columns(func.count(), func.min(Message.queued_at)).where(*where)
        )
    ).one()
    ids = await session.scalars(
        joined.where(*where)
        .group_by(MessagePart.message_id, Message.queued_at)
        .order_by(Message.queued_at)
        .limit(examples)
    )
    return Waiting(int(count), oldest, tuple(ids))

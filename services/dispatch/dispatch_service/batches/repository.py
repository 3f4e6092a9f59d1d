"""All of dispatch's SQL about batches: set-based, a handful of statements per batch
whatever its size, where one ORM round trip per message was most of intake's cost."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.batches.models import Batch
from dispatch_service.history import repository as history
from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.messages.status import MessageStatus
from dispatch_service.sms.encoding import Encoding


async def get_by_idempotency_key(session: AsyncSession, account_id: UUID, key: str) -> Batch | None:
    statement = select(Batch).where(Batch.account_id == account_id, Batch.idempotency_key == key)
    batch: Batch | None = await session.scalar(statement)
    return batch


async def add(session: AsyncSession, batch: Batch) -> bool:
    """Insert the batch row; False if its idempotency key is already taken."""
    if batch.idempotency_key is None:
        session.add(batch)
        return True
    try:
        # A savepoint, and flushed now, before any message: losing the race against a
        # concurrent retry leaves the transaction usable for reading the winner.
        async with session.begin_nested():
            session.add(batch)
    except IntegrityError:
        return False
    return True


async def insert_messages(
    session: AsyncSession,
    messages: Sequence[dict[str, Any]],
    parts: Sequence[dict[str, Any]],
    part_events: Sequence[dict[str, Any]],
) -> None:
    """Bulk INSERTs: SQLAlchemy sends each as multi-row VALUES, not a statement per row."""
    await session.execute(insert(Message), list(messages))
    await session.execute(insert(MessagePart), list(parts))
    await history.add(session, part_events)


async def messages_of(
    session: AsyncSession, account_id: UUID, batch_id: UUID
) -> Sequence[Row[UUID, str, Encoding, int, MessageStatus]]:
    statement = (
        select(Message.id, Message.to_number, Message.encoding, Message.segments, Message.status)
        .where(Message.account_id == account_id, Message.batch_id == batch_id)
        .order_by(Message.batch_index)
    )
    return (await session.execute(statement)).all()


# Billing's answer moves only messages still waiting for it: the state machine's
# accepted → queued/rejected, with their parts pending → queued/rejected (see status.py),
# as conditions in the statements, so a replayed or late answer changes nothing.


async def queue(
    session: AsyncSession,
    account_id: UUID,
    message_ids: Collection[UUID],
    price: str,
    currency: str,
    at: datetime,
) -> list[UUID]:
    """Messages that cost `price` each, authorised; returns those that moved."""
    moved = await _move(
        session,
        account_id,
        message_ids,
        status="queued",
        price=price,
        currency=currency,
        queued_at=at,
        updated_at=at,
    )
    await _move_parts(session, moved, status="queued")
    await history.add_moved(session, account_id, moved, "queued", at)
    return moved


async def reject(
    session: AsyncSession,
    account_id: UUID,
    message_ids: Collection[UUID],
    error_code: str,
    reason: str,
    at: datetime,
) -> list[UUID]:
    moved = await _move(
        session,
        account_id,
        message_ids,
        status="rejected",
        error_code=error_code,
        status_reason=reason,
        done_at=at,
        updated_at=at,
    )
    await _move_parts(session, moved, status="rejected", done_at=at)
    await history.add_moved(session, account_id, moved, "rejected", at, error_code)
    return moved


async def _move(
    session: AsyncSession, account_id: UUID, message_ids: Collection[UUID], **values: Any
) -> list[UUID]:
    if not message_ids:
        return []
    statement = (
        update(Message)
        .where(
            Message.id.in_(sorted(message_ids)),
            # Another account's ids in an event can never apply.
            Message.account_id == account_id,
            Message.status == "accepted",
        )
        .values(**values)
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    return list((await session.scalars(statement)).all())


async def _move_parts(session: AsyncSession, message_ids: list[UUID], **values: Any) -> None:
    if not message_ids:
        return
    statement = (
        update(MessagePart)
        .where(MessagePart.message_id.in_(message_ids), MessagePart.status == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)

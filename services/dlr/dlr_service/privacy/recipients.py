"""Which number each accepted message went to, by digest (privacy.models.MessageRecipient):
recorded as dispatch's accepted messages arrive, read by an erasure, dropped by retention."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.privacy.models import MessageRecipient
from dlr_service.retention.models import AccountStateRow
from shared.db import upsert_insert
from shared.erasure import digest
from shared.events import BatchAccepted, MessageAccepted


async def record(session: AsyncSession, events: Sequence[MessageAccepted | BatchAccepted]) -> None:
    rows: dict[UUID, dict[str, Any]] = {}
    for event in events:
        sends = (
            [(event.message_id, event.to)]
            if isinstance(event, MessageAccepted)
            else [(message.message_id, message.to) for message in event.messages]
        )
        for message_id, to in sends:
            if to is not None:
                rows[message_id] = {
                    "message_id": message_id,
                    "account_id": event.account_id,
                    "number_digest": digest(event.account_id, to),
                    "accepted_at": event.occurred_at,
                }
    await _insert(session, list(rows.values()))


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table: Any = MessageRecipient.__table__
    statement = upsert_insert(session, table).on_conflict_do_nothing(
        index_elements=[table.c.message_id]
    )
    await session.execute(statement, rows)


def message_ids(account_id: UUID, phone: str) -> Any:
    """The account's messages to the number, as a subquery."""
    return (
        select(MessageRecipient.message_id)
        .where(
            MessageRecipient.account_id == account_id,
            MessageRecipient.number_digest == digest(account_id, phone),
        )
        .scalar_subquery()
    )


async def forget(session: AsyncSession, account_id: UUID, phone: str, at: datetime) -> int:
    """The number's messages lose its digest but stay known as erased: a receipt of one of
    them, replayed or late, is then stored redacted (erased)."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(MessageRecipient)
            .where(
                MessageRecipient.account_id == account_id,
                MessageRecipient.number_digest == digest(account_id, phone),
            )
            .values(number_digest=None, erased_at=at)
        ),
    )
    return result.rowcount


async def erased(session: AsyncSession, message_ids: Collection[UUID]) -> set[UUID]:
    """Those of the messages whose number was erased."""
    if not message_ids:
        return set()
    rows = await session.scalars(
        select(MessageRecipient.message_id).where(
            MessageRecipient.message_id.in_(message_ids), MessageRecipient.erased_at.is_not(None)
        )
    )
    return set(rows.all())


async def delete_closed(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Retention: up to `limit` rows of accounts closed before `cutoff`."""
    closed = select(AccountStateRow.account_id).where(
        AccountStateRow.state == "closed", AccountStateRow.changed_at < cutoff
    )
    ids = (
        select(MessageRecipient.message_id)
        .where(MessageRecipient.account_id.in_(closed))
        .limit(limit)
        .scalar_subquery()
    )
    result = cast(
        CursorResult[Any],
        await session.execute(delete(MessageRecipient).where(MessageRecipient.message_id.in_(ids))),
    )
    return result.rowcount

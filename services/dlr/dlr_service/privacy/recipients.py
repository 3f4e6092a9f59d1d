"""Which number each accepted message went to, by digest (privacy.models.MessageRecipient):
recorded as dispatch's accepted messages arrive, read by an erasure, dropped by retention."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import ErasedNumber
from dlr_service.privacy.models import MessageRecipient
from dlr_service.retention.models import AccountStateRow
from shared.db import upsert_insert
from shared.erasure import REDACTED_NUMBER, digest
from shared.events import BatchAccepted, MessageAccepted, MessageRecipientsBackfilled


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


async def backfill(session: AsyncSession, events: Sequence[MessageRecipientsBackfilled]) -> None:
    """dispatch's record of older messages (dispatch_service.privacy.backfill): the rows
    dlr lacks are added, those it has (erased ones included) stay as they are. A number
    erased after its message was accepted is not recorded (the event may be older than the
    erasure)."""
    rows: dict[UUID, dict[str, Any]] = {}
    for event in events:
        since = min(message.accepted_at for message in event.messages)
        erased = await _erasures(session, event.account_id, since)
        for message in event.messages:
            number_digest = digest(event.account_id, message.to)
            erased_at = erased.get(number_digest)
            if message.to == REDACTED_NUMBER or (
                erased_at is not None and erased_at >= message.accepted_at
            ):
                continue
            rows[message.message_id] = {
                "message_id": message.message_id,
                "account_id": event.account_id,
                "number_digest": number_digest,
                "accepted_at": message.accepted_at,
            }
    await _insert(session, list(rows.values()))


async def _erasures(
    session: AsyncSession, account_id: UUID, since: datetime
) -> dict[str, datetime]:
    """The account's numbers (digests) erased since `since`, with the last erasure's time."""
    statement = (
        select(ErasedNumber.number_digest, func.max(ErasedNumber.erased_at).label("last"))
        .where(ErasedNumber.account_id == account_id, ErasedNumber.erased_at >= since)
        .group_by(ErasedNumber.number_digest)
    )
    rows = await session.execute(statement)
    return {row.number_digest: row.last for row in rows}


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

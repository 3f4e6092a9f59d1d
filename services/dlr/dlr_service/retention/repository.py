"""The SQL of dlr's retention: each call touches at most `limit` inbound messages."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.inbound.models import InboundMessage, InboundPart, LastSend
from dlr_service.retention.models import AccountStateRow
from shared.retention import REDACTED_TEXT


def closed_before(cutoff: datetime) -> Select[UUID]:
    # A reopened account's row says active again: its clock stops.
    return select(AccountStateRow.account_id).where(
        AccountStateRow.state == "closed", AccountStateRow.changed_at < cutoff
    )


async def redact_texts(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """The texts (and raw payloads) of up to `limit` inbound SMS of accounts closed before
    `cutoff`, and of their parts; already redacted ones are not counted again."""
    ids = list(
        await session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.account_id.in_(closed_before(cutoff)),
                or_(InboundMessage.text != REDACTED_TEXT, InboundMessage.raw_hex.is_not(None)),
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return 0
    await session.execute(
        update(InboundMessage)
        .where(InboundMessage.id.in_(ids))
        .values(text=REDACTED_TEXT, raw_hex=None)
    )
    await session.execute(
        update(InboundPart).where(InboundPart.inbound_id.in_(ids)).values(text=REDACTED_TEXT)
    )
    return len(ids)


async def delete_messages(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` inbound SMS of accounts closed before `cutoff`, with their parts."""
    ids = list(
        await session.scalars(
            select(InboundMessage.id)
            .where(InboundMessage.account_id.in_(closed_before(cutoff)))
            .limit(limit)
        )
    )
    if not ids:
        return 0
    await session.execute(delete(InboundPart).where(InboundPart.inbound_id.in_(ids)))
    await session.execute(delete(InboundMessage).where(InboundMessage.id.in_(ids)))
    return len(ids)


async def delete_last_sends(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` of the closed accounts' who-sent-to-whom rows (numbers, for owning
    replies): with the account's messages gone there is nothing to reply to."""
    chosen = (
        select(LastSend.sender, LastSend.recipient)
        .where(LastSend.account_id.in_(closed_before(cutoff)))
        .limit(limit)
    )
    key = tuple_(LastSend.sender, LastSend.recipient)
    result = cast(CursorResult[Any], await session.execute(delete(LastSend).where(key.in_(chosen))))
    return result.rowcount

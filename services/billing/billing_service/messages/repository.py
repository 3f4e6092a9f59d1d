from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.messages.models import AcceptedMessage
from shared.db import upsert_insert


@dataclass(frozen=True, slots=True)
class Heard:
    message_id: UUID
    account_id: UUID
    parts: int
    accepted_at: datetime


async def record(session: AsyncSession, messages: Sequence[Heard]) -> None:
    """Remember the messages; one heard before keeps its first row (a replay)."""
    if not messages:
        return
    table = AcceptedMessage.__table__
    statement = upsert_insert(session, table).on_conflict_do_nothing(index_elements=["message_id"])
    await session.execute(
        statement,
        [
            {
                "message_id": heard.message_id,
                "account_id": heard.account_id,
                "parts": heard.parts,
                "accepted_at": heard.accepted_at,
                "declined": False,
            }
            for heard in messages
        ],
    )


async def mark_declined(session: AsyncSession, message_ids: Collection[UUID]) -> None:
    await _set_declined(session, message_ids, True)


async def mark_charged(session: AsyncSession, message_ids: Collection[UUID]) -> None:
    """A decline leaves no charge behind, so a later event for the message may be paid after
    all (after a top-up): then it is charged, no longer declined."""
    await _set_declined(session, message_ids, False)


async def _set_declined(session: AsyncSession, message_ids: Collection[UUID], value: bool) -> None:
    if not message_ids:
        return
    await session.execute(
        update(AcceptedMessage)
        .where(AcceptedMessage.message_id.in_(list(message_ids)), AcceptedMessage.declined != value)
        .values(declined=value)
        .execution_options(synchronize_session=False)
    )

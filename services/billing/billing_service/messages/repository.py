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


async def record(session: AsyncSession, messages: Sequence[Heard]) -> set[UUID]:
    """Remember the messages; one heard before keeps its first row (a replay). Answers the
    ones among them that were declined before: a decline is final (dispatch rejected the
    message and told the customer so), so a second event for one must not charge it."""
    if not messages:
        return set()
    table = AcceptedMessage.__table__
    insert = upsert_insert(session, table)
    # DO UPDATE of nothing, so that a row heard before is returned too, with its `declined`:
    # the same one statement as before, no read of its own on the charging path.
    statement = insert.on_conflict_do_update(
        index_elements=["message_id"], set_={"declined": table.c.declined}
    ).returning(table.c.message_id, table.c.declined)
    # One row per message: an upsert may not touch a row twice in one statement.
    rows = {
        heard.message_id: {
            "message_id": heard.message_id,
            "account_id": heard.account_id,
            "parts": heard.parts,
            "accepted_at": heard.accepted_at,
            "declined": False,
        }
        for heard in messages
    }
    result = await session.execute(statement, list(rows.values()))
    return {message_id for message_id, declined in result.all() if declined}


async def mark_declined(session: AsyncSession, message_ids: Collection[UUID]) -> None:
    await _set_declined(session, message_ids, True)


async def mark_charged(session: AsyncSession, message_ids: Collection[UUID]) -> None:
    """Charged: not declined (a row recorded before this version, or by a charge the
    reconciliation should see as such)."""
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

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts.models import AccountStateRow
from shared.db import upsert_insert
from shared.events import AccountStateChanged


async def apply(session: AsyncSession, events: Sequence[AccountStateChanged]) -> None:
    """Store each account's latest state among `events`, unless the stored one is newer.
    One statement for the whole run; the last of equally old events wins, as fetched."""
    latest: dict[UUID, AccountStateChanged] = {}
    for event in events:
        seen = latest.get(event.account_id)
        if seen is None or event.occurred_at >= seen.occurred_at:
            latest[event.account_id] = event
    if not latest:
        return
    table = AccountStateRow.__table__
    insert = upsert_insert(session, table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.account_id],
        set_={
            "state": insert.excluded.state,
            "reason": insert.excluded.reason,
            "changed_at": insert.excluded.changed_at,
        },
        where=insert.excluded.changed_at >= table.c.changed_at,
    )
    rows = [
        {
            "account_id": event.account_id,
            "state": event.state,
            "reason": event.reason,
            "changed_at": event.occurred_at,
        }
        for event in latest.values()
    ]
    await session.execute(statement, rows)


async def not_active(session: AsyncSession) -> dict[UUID, tuple[str, str | None]]:
    """Every account that may not send, with its state and reason: a few, not every one."""
    rows = await session.execute(
        select(AccountStateRow.account_id, AccountStateRow.state, AccountStateRow.reason).where(
            AccountStateRow.state != "active"
        )
    )
    return {account_id: (state, reason) for account_id, state, reason in rows}

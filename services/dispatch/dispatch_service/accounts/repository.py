from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts.models import AccountStateRow
from shared.db import upsert_newest
from shared.events import AccountStateChanged


async def apply(session: AsyncSession, events: Sequence[AccountStateChanged]) -> None:
    """Store each account's latest state among `events`, unless the stored one is newer."""
    await upsert_newest(
        session,
        AccountStateRow.__table__,
        ["account_id"],
        (
            {
                "account_id": e.account_id,
                "state": e.state,
                "reason": e.reason,
                "changed_at": e.occurred_at,
            }
            for e in events
        ),
    )


async def not_active(session: AsyncSession) -> dict[UUID, tuple[str, str | None]]:
    """Every account that may not send, with its state and reason: a few, not every one."""
    rows = await session.execute(
        select(AccountStateRow.account_id, AccountStateRow.state, AccountStateRow.reason).where(
            AccountStateRow.state != "active"
        )
    )
    return {account_id: (state, reason) for account_id, state, reason in rows}

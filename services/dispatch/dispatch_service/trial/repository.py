from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.trial.models import TrialUsage
from shared.db import upsert_insert


async def take(session: AsyncSession, account_id: UUID, day: date, messages: int, cap: int) -> bool:
    """Add `messages` to the account's count for `day` unless that would pass `cap`;
    whether it was added. The caller refuses `messages > cap` itself.

    One conditional upsert: PostgreSQL locks the day's row until the request commits, and a
    concurrent request re-checks the condition on the row as committed, so two requests
    never both take the last message; a rolled-back request's increment goes with it."""
    table = TrialUsage.__table__
    insert = upsert_insert(session, table).values(account_id=account_id, day=day, messages=messages)
    total = table.c.messages + insert.excluded.messages
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.day],
        set_={"messages": total},
        where=total <= cap,
    ).returning(table.c.messages)
    return (await session.execute(statement)).first() is not None

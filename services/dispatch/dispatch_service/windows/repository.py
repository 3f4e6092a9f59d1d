from datetime import datetime
from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.windows.models import SendingWindow
from shared.db import upsert_insert


async def get(session: AsyncSession, account_id: UUID) -> SendingWindow | None:
    return await session.get(SendingWindow, account_id)


async def put(
    session: AsyncSession, account_id: UUID, start_minute: int, end_minute: int, at: datetime
) -> None:
    table = SendingWindow.__table__
    values = {"start_minute": start_minute, "end_minute": end_minute, "updated_at": at}
    insert = upsert_insert(session, table).values(account_id=account_id, **values)
    await session.execute(
        insert.on_conflict_do_update(index_elements=[table.c.account_id], set_=values)
    )


async def remove(session: AsyncSession, account_id: UUID) -> bool:
    result = await session.execute(
        delete(SendingWindow).where(SendingWindow.account_id == account_id)
    )
    return bool(getattr(result, "rowcount", 0))

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.help_replies.models import HelpText
from shared.db import upsert_insert


async def get(session: AsyncSession, account_id: UUID) -> HelpText | None:
    return await session.get(HelpText, account_id)


async def texts_of(session: AsyncSession, account_ids: Collection[UUID]) -> dict[UUID, str]:
    rows = await session.execute(
        select(HelpText.account_id, HelpText.text).where(HelpText.account_id.in_(account_ids))
    )
    return dict(rows.all())


async def put(session: AsyncSession, account_id: UUID, text: str, at: datetime) -> None:
    table = HelpText.__table__
    insert = upsert_insert(session, table).values(account_id=account_id, text=text, updated_at=at)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.account_id], set_={"text": text, "updated_at": at}
        )
    )


async def remove(session: AsyncSession, account_id: UUID) -> bool:
    result = await session.execute(delete(HelpText).where(HelpText.account_id == account_id))
    return bool(getattr(result, "rowcount", 0))

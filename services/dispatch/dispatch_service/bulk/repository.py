from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.bulk.models import BulkPermissionRow
from shared.db import upsert_insert


async def get(session: AsyncSession, account_id: UUID) -> BulkPermissionRow | None:
    return await session.get(BulkPermissionRow, account_id)


async def put(
    session: AsyncSession,
    account_id: UUID,
    enabled: bool,
    note: str | None,
    changed_by: str,
    changed_at: datetime,
) -> None:
    table = BulkPermissionRow.__table__
    values = {"enabled": enabled, "note": note, "changed_by": changed_by, "changed_at": changed_at}
    insert = upsert_insert(session, table).values(account_id=account_id, **values)
    await session.execute(
        insert.on_conflict_do_update(index_elements=[table.c.account_id], set_=values)
    )

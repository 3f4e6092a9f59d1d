from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.activity.models import ActivityRecord
from shared.db import upsert_insert


class ActivityLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_new(self, rows: list[dict[str, Any]]) -> None:
        """Inserts the records whose id is not there yet (one statement, compiled once)."""
        table = ActivityRecord.__table__
        await self._session.execute(
            upsert_insert(self._session, table).on_conflict_do_nothing(), rows
        )

    async def page(
        self, account_id: UUID, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ActivityRecord]:
        """The account's records newest first, those older than `after` when given."""
        query = select(ActivityRecord).where(ActivityRecord.account_id == account_id)
        if after is not None:
            query = query.where(tuple_(ActivityRecord.occurred_at, ActivityRecord.id) < after)
        query = query.order_by(ActivityRecord.occurred_at.desc(), ActivityRecord.id.desc())
        return list(await self._session.scalars(query.limit(limit)))

    async def delete_before(self, before: datetime, batch: int) -> int:
        """Deletes at most `batch` records older than `before`; returns how many."""
        oldest = (
            select(ActivityRecord.id).where(ActivityRecord.occurred_at < before).limit(batch)
        ).scalar_subquery()
        result = await self._session.execute(
            delete(ActivityRecord)
            .where(ActivityRecord.id.in_(oldest))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

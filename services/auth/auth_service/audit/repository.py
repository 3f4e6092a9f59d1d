from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.audit.models import AuditRecord
from shared.db import upsert_insert


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, record: AuditRecord) -> None:
        self._session.add(record)
        await self._session.flush()

    async def add_new(self, rows: list[dict[str, Any]]) -> None:
        """Inserts the records whose id is not there yet (one statement, compiled once)."""
        statement = upsert_insert(self._session, AuditRecord.__table__).on_conflict_do_nothing()
        await self._session.execute(statement, rows)

    async def page(
        self, account_id: UUID, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[AuditRecord]:
        """The account's records newest first, those older than `after` (a record's
        (occurred_at, id)) when given."""
        query = select(AuditRecord).where(AuditRecord.account_id == account_id)
        if after is not None:
            query = query.where(tuple_(AuditRecord.occurred_at, AuditRecord.id) < after)
        query = query.order_by(AuditRecord.occurred_at.desc(), AuditRecord.id.desc()).limit(limit)
        return list(await self._session.scalars(query))

    async def delete_before(self, before: datetime, batch: int) -> int:
        """Deletes at most `batch` records older than `before`; returns how many."""
        oldest = (
            select(AuditRecord.id).where(AuditRecord.occurred_at < before).limit(batch)
        ).scalar_subquery()
        result = await self._session.execute(
            delete(AuditRecord)
            .where(AuditRecord.id.in_(oldest))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

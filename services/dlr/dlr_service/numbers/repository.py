from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.numbers.models import AssignedNumber
from shared.db import upsert_insert


class NumberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_if_free(self, number: AssignedNumber) -> None:
        """Two operators assigning one number at once: the first wins, the second then reads
        the first's row (and is told the number is taken) instead of failing at commit."""
        statement = (
            upsert_insert(self._session, AssignedNumber.__table__)
            .values(
                number=number.number,
                account_id=number.account_id,
                kind=number.kind,
                assigned_at=number.assigned_at,
            )
            .on_conflict_do_nothing(index_elements=["number"])
        )
        await self._session.execute(statement)

    async def get(self, number: str) -> AssignedNumber | None:
        statement = select(AssignedNumber).where(AssignedNumber.number == number)
        return (
            await self._session.scalars(statement.execution_options(populate_existing=True))
        ).first()

    async def list_(
        self, account_id: UUID | None, limit: int, after: str | None
    ) -> Sequence[AssignedNumber]:
        statement = select(AssignedNumber).order_by(AssignedNumber.number).limit(limit)
        if account_id is not None:
            statement = statement.where(AssignedNumber.account_id == account_id)
        if after is not None:
            statement = statement.where(AssignedNumber.number > after)
        return (await self._session.scalars(statement)).all()

    async def delete(self, number: str) -> bool:
        result = await self._session.execute(
            delete(AssignedNumber).where(AssignedNumber.number == number)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def owner_of(self, numbers: Sequence[str]) -> UUID | None:
        statement = select(AssignedNumber.account_id).where(AssignedNumber.number.in_(numbers))
        return (await self._session.scalars(statement)).first()

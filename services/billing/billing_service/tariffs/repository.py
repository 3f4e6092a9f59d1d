from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.tariffs.models import Tariff, TariffPrice, TariffVersion


class TariffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def tariffs(self) -> Sequence[Tariff]:
        statement = select(Tariff).order_by(Tariff.account_id.is_not(None), Tariff.created_at)
        return (await self._session.scalars(statement)).all()

    async def get(self, tariff_id: UUID) -> Tariff | None:
        return await self._session.get(Tariff, tariff_id)

    async def find(self, account_id: UUID | None, currency: str) -> Tariff | None:
        """The public tariff of `currency`, or the account's plan (in whichever currency)."""
        condition = (
            (Tariff.account_id.is_(None) & (Tariff.currency == currency))
            if account_id is None
            else Tariff.account_id == account_id
        )
        return (await self._session.scalars(select(Tariff).where(condition))).first()

    async def add(self, tariff: Tariff) -> bool:
        """Store the tariff; False if the account got a plan meanwhile (the unique index)."""
        try:
            async with self._session.begin_nested():
                self._session.add(tariff)
                await self._session.flush()
        except IntegrityError:
            return False
        return True

    async def versions(self) -> Sequence[tuple[TariffVersion, UUID | None, str]]:
        """Every version with its tariff's account and currency: what the book is made of."""
        statement = select(TariffVersion, Tariff.account_id, Tariff.currency).join(
            Tariff, Tariff.id == TariffVersion.tariff_id
        )
        rows = (await self._session.execute(statement)).all()
        return [(row[0], row[1], row[2]) for row in rows]

    async def versions_of(self, tariff_id: UUID) -> Sequence[TariffVersion]:
        statement = (
            select(TariffVersion)
            .where(TariffVersion.tariff_id == tariff_id)
            .order_by(TariffVersion.effective_from)
        )
        return (await self._session.scalars(statement)).all()

    async def version_at(self, tariff_id: UUID, effective_from: datetime) -> TariffVersion | None:
        statement = select(TariffVersion).where(
            TariffVersion.tariff_id == tariff_id, TariffVersion.effective_from == effective_from
        )
        return (await self._session.scalars(statement)).first()

    async def prices(self, version_ids: Collection[UUID]) -> dict[UUID, dict[str, int]]:
        found: dict[UUID, dict[str, int]] = {version_id: {} for version_id in version_ids}
        if not version_ids:
            return found
        statement = select(
            TariffPrice.version_id, TariffPrice.prefix, TariffPrice.price_per_part
        ).where(TariffPrice.version_id.in_(version_ids))
        for version_id, prefix, price in (await self._session.execute(statement)).all():
            found[version_id][prefix] = price
        return found

    async def add_version(self, version: TariffVersion, prices: dict[str, int]) -> None:
        self._session.add(version)
        await self._session.flush()
        if prices:
            await self._session.execute(
                insert(TariffPrice),
                [
                    {"version_id": version.id, "prefix": prefix, "price_per_part": price}
                    for prefix, price in prices.items()
                ],
            )

    async def all_versions(self) -> Sequence[TariffVersion]:
        statement = select(TariffVersion).order_by(TariffVersion.effective_from)
        return (await self._session.scalars(statement)).all()

    async def get_version(self, version_id: UUID) -> TariffVersion | None:
        return await self._session.get(TariffVersion, version_id)

    async def price_counts(self) -> dict[UUID, int]:
        statement = select(TariffPrice.version_id, func.count()).group_by(TariffPrice.version_id)
        rows = (await self._session.execute(statement)).all()
        return {row.version_id: row[1] for row in rows}

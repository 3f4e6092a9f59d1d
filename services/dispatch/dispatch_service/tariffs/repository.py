from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.tariffs.models import TariffCoverage
from shared.db import upsert_insert
from shared.events import TariffPublished


async def add(session: AsyncSession, events: Sequence[TariffPublished]) -> None:
    """Store each version once: a version never changes, so a replay changes nothing."""
    rows = [
        {
            "version_id": event.version_id,
            "tariff_id": event.tariff_id,
            "account_id": event.account_id,
            "effective_from": event.effective_from,
            "prefixes": " ".join(event.prefixes),
        }
        for event in events
    ]
    statement = upsert_insert(session, TariffCoverage.__table__).on_conflict_do_nothing(
        index_elements=["version_id"]
    )
    await session.execute(statement, rows)


async def versions(session: AsyncSession) -> Sequence[tuple[UUID, UUID | None, datetime]]:
    statement = select(
        TariffCoverage.version_id, TariffCoverage.account_id, TariffCoverage.effective_from
    )
    return [(row[0], row[1], row[2]) for row in (await session.execute(statement)).all()]


async def prefixes(session: AsyncSession, version_ids: Collection[UUID]) -> dict[UUID, str]:
    if not version_ids:
        return {}
    statement = select(TariffCoverage.version_id, TariffCoverage.prefixes).where(
        TariffCoverage.version_id.in_(version_ids)
    )
    return {row[0]: row[1] for row in (await session.execute(statement)).all()}

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.tariffs.models import TariffCoverage
from shared.db import upsert_insert
from shared.events import TariffPublished


async def add(session: AsyncSession, events: Sequence[TariffPublished]) -> None:
    """Store each version once: a version never changes, so a replay changes nothing, but
    for a currency said again of a version stored without one (from before currencies)."""
    # One row per version (a redelivery may come in the same batch), with its currency if
    # any copy says it: an upsert may not touch a row twice in one statement.
    rows: dict[UUID, dict[str, object]] = {}
    for event in events:
        currency = event.currency.upper() if event.currency else None
        seen = rows.get(event.version_id)
        if seen is None or seen["currency"] is None:
            rows[event.version_id] = {
                "version_id": event.version_id,
                "tariff_id": event.tariff_id,
                "account_id": event.account_id,
                "effective_from": event.effective_from,
                "prefixes": " ".join(event.prefixes),
                "currency": currency,
            }
    if not rows:
        return
    table = TariffCoverage.__table__
    insert = upsert_insert(session, table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.version_id],
        set_={"currency": insert.excluded.currency},
        where=table.c.currency.is_(None) & insert.excluded.currency.is_not(None),
    )
    await session.execute(statement, list(rows.values()))


class VersionRow(NamedTuple):
    version_id: UUID
    account_id: UUID | None  # None: a public tariff's
    effective_from: datetime
    currency: str | None


async def versions(session: AsyncSession) -> Sequence[VersionRow]:
    statement = select(
        TariffCoverage.version_id,
        TariffCoverage.account_id,
        TariffCoverage.effective_from,
        TariffCoverage.currency,
    )
    return [VersionRow(*row) for row in (await session.execute(statement)).all()]


async def prefixes(session: AsyncSession, version_ids: Collection[UUID]) -> dict[UUID, str]:
    if not version_ids:
        return {}
    statement = select(TariffCoverage.version_id, TariffCoverage.prefixes).where(
        TariffCoverage.version_id.in_(version_ids)
    )
    return {row[0]: row[1] for row in (await session.execute(statement)).all()}

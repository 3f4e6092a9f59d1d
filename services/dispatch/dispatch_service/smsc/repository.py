from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.smsc.models import SmscHealthRow

if TYPE_CHECKING:
    from dispatch_service.smpp.link import Link


def snapshot(link: "Link", now: datetime) -> dict[str, Any]:
    return {
        "name": link.name,
        "binds": len(link.binds),
        "bound_binds": sum(bind.is_bound for bind in link.binds),
        "in_flight": sum(bind.in_flight for bind in link.binds),
        "queued": link.ready.qsize(),
        "circuit": link.circuit.state,
        "failures_in_a_row": link.circuit.failures_in_a_row,
        "tls": link.tls is not None,
        "last_error": link.last_error,
        "last_error_at": link.last_error_at,
        "reported_at": now,
    }


async def store(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Replaces the links' rows: a handful of rows every few seconds, so two plain
    statements rather than a dialect's upsert. Rows of links no longer configured stay
    (the API lists configured links only)."""
    names = [row["name"] for row in rows]
    await session.execute(delete(SmscHealthRow).where(SmscHealthRow.name.in_(names)))
    await session.execute(insert(SmscHealthRow), list(rows))


async def load(session: AsyncSession) -> dict[str, SmscHealthRow]:
    rows = (await session.scalars(select(SmscHealthRow))).all()
    return {row.name: row for row in rows}

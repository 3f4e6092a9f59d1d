from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.models import LedgerTransaction
from billing_service.usage.schemas import GroupBy
from shared.db import is_postgres


@dataclass(frozen=True, slots=True)
class UsageFigures:
    key: str
    messages: int
    parts: int
    refunded_parts: int
    spent_units: int  # charges less refunds, positive


def _key(session: AsyncSession, group_by: GroupBy) -> Any:
    column = LedgerTransaction.created_at
    if group_by == "day":
        # The UTC day on both: PostgreSQL's date() would follow the session's time zone.
        day = func.timezone("UTC", column) if is_postgres(session) else column
        return func.date(day)
    if group_by == "country":
        return func.coalesce(LedgerTransaction.country, "")
    return func.coalesce(LedgerTransaction.sender, "")


async def usage(
    session: AsyncSession,
    account_id: UUID,
    since: datetime,
    until: datetime,
    group_by: GroupBy,
    currency: str,
) -> list[UsageFigures]:
    """Sums of the account's charges and refunds in `currency` in [since, until), straight
    from the ledger: the report is the ledger's own figures, not a copy that could drift
    from them (and sums of one currency: nothing converts)."""
    key = _key(session, group_by).label("key")
    is_charge = LedgerTransaction.kind == "charge"
    is_refund = LedgerTransaction.kind == "refund"
    parts = func.coalesce(LedgerTransaction.parts, 0)
    statement = (
        select(
            key,
            func.sum(case((is_charge, 1), else_=0)),
            func.sum(case((is_charge, parts), else_=0)),
            func.sum(case((is_refund, parts), else_=0)),
            -func.sum(LedgerTransaction.amount_units),
        )
        .where(
            LedgerTransaction.account_id == account_id,
            LedgerTransaction.kind.in_(["charge", "refund"]),
            LedgerTransaction.currency == currency,
            LedgerTransaction.created_at >= since,
            LedgerTransaction.created_at < until,
        )
        .group_by(key)
        .order_by(key)
    )
    rows = (await session.execute(statement)).all()
    return [
        UsageFigures(str(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]))
        for row in rows
    ]

"""The usage report and its CSV rendering."""

import csv
import io
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.money import Pricing, format_units
from billing_service.ledger.service import balance_of
from billing_service.usage import repository
from billing_service.usage.schemas import GroupBy, UsageReport, UsageRow

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): a
# sender named "=HYPERLINK(...)" must reach the customer's Excel as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def report(
    session: AsyncSession,
    pricing: Pricing,
    account_id: UUID,
    since: datetime,
    until: datetime,
    group_by: GroupBy,
    currency: str | None = None,
) -> UsageReport:
    currency = currency or (await balance_of(session, pricing, account_id)).currency
    figures = await repository.usage(session, account_id, since, until, group_by, currency)
    rows = [_row(f.key, f.messages, f.parts, f.refunded_parts, f.spent_units) for f in figures]
    total = _row(
        "total",
        sum(f.messages for f in figures),
        sum(f.parts for f in figures),
        sum(f.refunded_parts for f in figures),
        sum(f.spent_units for f in figures),
    )
    return UsageReport(
        since=since, until=until, group_by=group_by, currency=currency, rows=rows, total=total
    )


def _row(key: str, messages: int, parts: int, refunded: int, spent_units: int) -> UsageRow:
    return UsageRow(
        key=key,
        messages=messages,
        parts=parts,
        refunded_parts=refunded,
        amount=format_units(spent_units),
    )


def safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def to_csv(usage: UsageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([usage.group_by, "messages", "parts", "refunded_parts", "amount", "currency"])
    for row in [*usage.rows, usage.total]:
        writer.writerow(
            [
                safe_cell(row.key),
                row.messages,
                row.parts,
                row.refunded_parts,
                row.amount,
                usage.currency,
            ]
        )
    return out.getvalue()

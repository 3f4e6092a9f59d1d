"""The SQL of postpaid terms and overdue invoices."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.invoices.models import Invoice
from billing_service.ledger.models import Balance


async def terms_of(session: AsyncSession, account_id: UUID) -> tuple[bool, int, int, str] | None:
    """(postpaid, credit limit, balance, currency), None when billing has no such account."""
    row = (
        await session.execute(
            select(
                Balance.postpaid,
                Balance.credit_limit_units,
                Balance.amount_units,
                Balance.currency,
            ).where(Balance.account_id == account_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2], row[3])


async def set_terms(
    session: AsyncSession, account_id: UUID, postpaid: bool, credit_limit_units: int
) -> bool:
    """Set the terms unless the balance owes more than the new limit allows: False then
    (or when there is no such balance). One statement, so a charge can't slip between."""
    result = await session.execute(
        update(Balance)
        .where(
            Balance.account_id == account_id,
            Balance.amount_units >= -credit_limit_units,
        )
        .values(postpaid=postpaid, credit_limit_units=credit_limit_units)
        .returning(Balance.account_id)
        .execution_options(synchronize_session=False)
    )
    return result.one_or_none() is not None


async def newly_overdue(session: AsyncSession, today: date, limit: int) -> list[Invoice]:
    """Postpaid accounts' invoices unpaid past their due date and not yet reported, locked
    so two runs of the job can't report one twice."""
    statement = (
        select(Invoice)
        .join(Balance, Balance.account_id == Invoice.account_id)
        .where(
            Balance.postpaid.is_(True),
            Invoice.document == "invoice",
            Invoice.status == "issued",
            Invoice.due_date < today,
            Invoice.overdue_at.is_(None),
        )
        .order_by(Invoice.due_date, Invoice.id)
        .limit(limit)
        .with_for_update(of=Invoice, skip_locked=True)
    )
    return list((await session.scalars(statement)).all())


async def mark_overdue(session: AsyncSession, invoice: Invoice, at: datetime) -> None:
    invoice.overdue_at = at
    await session.flush()


async def still_overdue(session: AsyncSession, account_id: UUID) -> bool:
    """Whether the account has an invoice reported overdue and still unpaid."""
    statement = select(Invoice.id).where(
        Invoice.account_id == account_id,
        Invoice.status == "issued",
        Invoice.overdue_at.is_not(None),
    )
    return (await session.scalars(statement.limit(1))).first() is not None


async def debts(session: AsyncSession, period: str) -> list[tuple[UUID, int, int]]:
    """(account, what it owes, what its unpaid invoices already ask for) of every postpaid
    account whose balance is below zero and that has no invoice for `period` yet."""
    invoiced_for_period = select(Invoice.id).where(
        Invoice.account_id == Balance.account_id,
        Invoice.document == "invoice",
        Invoice.period == period,
    )
    open_invoices = (
        select(
            Invoice.account_id.label("account_id"),
            func.sum(Invoice.net_units).label("invoiced"),
        )
        .where(Invoice.document == "invoice", Invoice.status == "issued")
        .group_by(Invoice.account_id)
        .subquery()
    )
    statement = (
        select(
            Balance.account_id,
            -Balance.amount_units,
            func.coalesce(open_invoices.c.invoiced, 0),
        )
        .outerjoin(open_invoices, open_invoices.c.account_id == Balance.account_id)
        .where(Balance.postpaid.is_(True), Balance.amount_units < 0)
        .where(~invoiced_for_period.exists())
        .order_by(Balance.account_id)
    )
    return [(row[0], int(row[1]), int(row[2])) for row in await session.execute(statement)]

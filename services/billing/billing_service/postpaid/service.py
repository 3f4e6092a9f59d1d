"""Postpaid terms, the overdue job and what paying an overdue invoice lifts. Nothing here
commits but the job, which runs outside any request."""

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.db import Outbox
from billing_service.invoices.models import Invoice
from billing_service.ledger.money import format_units
from billing_service.postpaid import repository
from shared.errors import ProblemError
from shared.events import AuditRecorded, PaymentOverdue, PaymentOverdueCleared
from shared.outbox import add_event
from shared.security import Principal


class NoBalance(ProblemError):
    def __init__(self, account_id: UUID) -> None:
        super().__init__(404, "not_found", "Not found", f"Billing has no account {account_id}")


class LimitBelowDebt(ProblemError):
    def __init__(self, balance: str, limit: str) -> None:
        super().__init__(
            409,
            "credit_limit_below_debt",
            "The account owes more than that",
            f"The balance is {balance}: a credit limit of {limit} would not cover it; "
            "the account must pay first",
        )


async def terms_of(session: AsyncSession, account_id: UUID) -> tuple[bool, int, int, str]:
    terms = await repository.terms_of(session, account_id)
    if terms is None:
        raise NoBalance(account_id)
    return terms


async def set_terms(
    session: AsyncSession,
    operator: Principal,
    account_id: UUID,
    postpaid: bool,
    credit_limit_units: int,
) -> tuple[bool, int, int, str]:
    """Make the account postpaid with a limit, or prepaid (limit 0). Refused while the
    balance owes more than the new limit: lowering it must not leave a balance the
    database's check would reject."""
    before = await terms_of(session, account_id)
    if not await repository.set_terms(session, account_id, postpaid, credit_limit_units):
        raise LimitBelowDebt(format_units(before[2]), format_units(credit_limit_units))
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action="billing.postpaid_terms_set",
            object_type="billing_account",
            object_id=str(account_id),
            details={"postpaid": postpaid, "credit_limit": format_units(credit_limit_units)},
        ),
    )
    return await terms_of(session, account_id)


async def report_overdue(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: Callable[[], datetime],
    batch: int = 200,
) -> int:
    """`billing.payment_overdue` for every postpaid invoice unpaid past its due date, once
    each; a transaction per batch, so a large backlog never holds one long transaction.
    The count reported."""
    reported = 0
    while True:
        async with sessionmaker() as session, session.begin():
            at = now()
            invoices = await repository.newly_overdue(session, at.date(), batch)
            for invoice in invoices:
                assert invoice.due_date is not None  # the query's condition
                await repository.mark_overdue(session, invoice, at)
                add_event(
                    session,
                    Outbox,
                    PaymentOverdue(
                        account_id=invoice.account_id,
                        invoice_id=invoice.id,
                        number=invoice.number,
                        due_date=invoice.due_date,
                    ),
                )
        reported += len(invoices)
        if len(invoices) < batch:
            return reported


async def after_invoice_paid(session: AsyncSession, invoice: Invoice) -> None:
    """Called in the transaction that marks `invoice` paid: when it was overdue and no
    other overdue invoice is left, the suspension it caused is lifted."""
    if invoice.overdue_at is None:
        return
    await session.flush()  # the invoice's new status, for the query below
    if await repository.still_overdue(session, invoice.account_id):
        return
    add_event(
        session,
        Outbox,
        PaymentOverdueCleared(account_id=invoice.account_id, invoice_id=invoice.id),
    )

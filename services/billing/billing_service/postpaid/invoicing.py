"""Invoicing what postpaid accounts owe: once a month, per postpaid account whose balance is
below zero, one invoice for the part of the debt its unpaid invoices don't ask for yet.

The invoice's `period` is the month closed last, and an account has at most one invoice
per period (the invoices' unique account, document and period): the service's schedule
runs this every few hours on every replica, and only the first round of a month, on one
replica, issues anything."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.acts.service import Month
from billing_service.companies.config import Companies
from billing_service.companies.service import company_of
from billing_service.companies.vat import UNITS_PER_CENT
from billing_service.invoices.service import issue_document, line
from billing_service.postpaid import repository
from shared.db import session_scope

log = logging.getLogger(__name__)


def _up_to_cents(units: int) -> int:
    # Invoices are in whole cents; rounding up means paying one clears the debt (any
    # fraction of a cent left over stays on the balance as credit).
    return -(-units // UNITS_PER_CENT) * UNITS_PER_CENT


async def invoice_debts(
    sessionmaker: async_sessionmaker[AsyncSession],
    companies: Companies,
    now: Callable[[], datetime],
    due_days: int,
) -> list[UUID]:
    """The ids of the invoices issued now, one transaction each (numbers have no gaps),
    for the month before `now`'s; none for an account already invoiced for it."""
    period = Month.before(now()).period
    async for session in session_scope(sessionmaker):
        owing = await repository.debts(session, period)
    issued: list[UUID] = []
    for account_id, owed, invoiced in owing:
        amount = _up_to_cents(owed - invoiced)
        if amount <= 0:
            continue
        try:
            async for session in session_scope(sessionmaker):
                company = await company_of(session, companies, account_id)
                at = now()
                days = company.payment_terms_days or due_days
                invoice = await issue_document(
                    session,
                    company,
                    account_id,
                    "invoice",
                    [line(f"SMS services used (postpaid) to {at:%Y-%m-%d}", 1, amount, company)],
                    issued_at=at,
                    due_date=(at + timedelta(days=days)).date(),
                    period=period,
                )
                issued.append(invoice.id)
        except IntegrityError:
            # Another replica's round issued it first (its number then ours, rolled back).
            log.info("postpaid invoice issued elsewhere", extra={"account_id": str(account_id)})
            continue
        log.info("postpaid invoice issued", extra={"account_id": str(account_id)})
    return issued

"""Invoicing what postpaid accounts owe: each run issues, per postpaid account whose balance
is below zero, one invoice for the part of the debt its unpaid invoices don't ask for yet.
Run monthly; a second run in a month issues nothing unless the debt grew."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    """The ids of the invoices issued now, one transaction each (numbers have no gaps)."""
    async for session in session_scope(sessionmaker):
        owing = await repository.debts(session)
    issued: list[UUID] = []
    for account_id, owed, invoiced in owing:
        amount = _up_to_cents(owed - invoiced)
        if amount <= 0:
            continue
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
            )
            issued.append(invoice.id)
        log.info("postpaid invoice issued", extra={"account_id": str(account_id)})
    return issued

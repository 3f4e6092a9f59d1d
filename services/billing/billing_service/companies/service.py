"""Which company each account signs with, and so the currency its balance is kept in.
Nothing here commits."""

import logging
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.companies.config import Companies, CompanyConfig
from billing_service.companies.models import AccountCompany
from billing_service.db import Outbox
from billing_service.invoices.models import Invoice
from billing_service.ledger.repository import LedgerRepository
from billing_service.ledger.service import open_account_in
from billing_service.payments.models import Payment
from shared.db import upsert_insert
from shared.errors import NotFound, ProblemError
from shared.events import AuditRecorded, CompanyAssigned, utcnow
from shared.outbox import add_event
from shared.security import Principal

log = logging.getLogger(__name__)


class CurrencyChangeWithBalance(ProblemError):
    def __init__(self, held: str, wanted: str) -> None:
        super().__init__(
            409,
            "currency_change_with_balance",
            "Balance is not empty",
            f"The account's money is kept in {held}; it can move to a company billing in "
            f"{wanted} only with a zero balance and no invoice or top-up waiting to be paid "
            "(nothing converts between currencies)",
        )


class UnknownCompany(ProblemError):
    def __init__(self, code: str) -> None:
        super().__init__(
            422, "unknown_company", "Unknown company", f"No contracting company {code!r}"
        )


async def assign_at_registration(
    session: AsyncSession, companies: Companies, account_id: UUID, country: str | None
) -> None:
    """The company for the account's country; a redelivered registration (or one arriving
    after an operator's choice) changes nothing."""
    statement = (
        upsert_insert(session, AccountCompany)
        .values(
            account_id=account_id,
            company_code=companies.for_country(country).code,
            assigned_by="registration",
            assigned_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[AccountCompany.account_id])
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    company = await company_of(session, companies, account_id)
    # The balance is kept in the company's currency from the start; one opened by a message
    # or a payment that overtook the registration moves there while it is still empty.
    if not await open_account_in(session, account_id, company.currency):
        log.warning("account %s keeps its balance's currency: it holds money already", account_id)
    if result.rowcount:
        add_event(session, Outbox, assigned(account_id, company))


def assigned(account_id: UUID, company: CompanyConfig) -> CompanyAssigned:
    return CompanyAssigned(
        account_id=account_id,
        company=company.code,
        countries=company.countries,
        currency=company.currency,
    )


async def _money_on_its_way(session: AsyncSession, account_id: UUID) -> bool:
    """A pending top-up or an unpaid invoice: paid later, it would credit the old currency."""
    pending = select(Payment.id).where(
        Payment.account_id == account_id, Payment.status == "pending"
    )
    unpaid = select(Invoice.id).where(
        Invoice.account_id == account_id,
        Invoice.document == "invoice",
        Invoice.status == "issued",
    )
    return (await session.scalar(pending.union_all(unpaid).limit(1))) is not None


async def company_of(
    session: AsyncSession, companies: Companies, account_id: UUID
) -> CompanyConfig:
    code = await session.scalar(
        select(AccountCompany.company_code).where(AccountCompany.account_id == account_id)
    )
    # A company removed from the config leaves its accounts on the default one.
    return (companies.get(code) if code else None) or companies.default


async def set_company(
    session: AsyncSession,
    companies: Companies,
    operator: Principal,
    account_id: UUID,
    code: str,
) -> CompanyConfig:
    company = companies.get(code)
    if company is None:
        raise UnknownCompany(code)
    ledger = LedgerRepository(session)
    # Locked: a charge or a credit waits for the change, and then finds the new currency.
    locked = await ledger.lock_balance(account_id)
    if locked is None:
        raise NotFound("Account")
    if locked[1] != company.currency:
        if locked[0] != 0 or await _money_on_its_way(session, account_id):
            raise CurrencyChangeWithBalance(locked[1], company.currency)
        await ledger.adopt_currency(account_id, company.currency)
    previous = await company_of(session, companies, account_id)
    assigned_by = f"operator:{operator.subject}"[:160]
    statement = (
        upsert_insert(session, AccountCompany)
        .values(
            account_id=account_id,
            company_code=code,
            assigned_by=assigned_by,
            assigned_at=utcnow(),
        )
        .on_conflict_do_update(
            index_elements=[AccountCompany.account_id],
            set_={"company_code": code, "assigned_by": assigned_by, "assigned_at": utcnow()},
        )
    )
    await session.execute(statement)
    add_event(session, Outbox, assigned(account_id, company))
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action="billing.company_changed",
            object_type="account",
            object_id=str(account_id),
            details={"from": previous.code, "to": code},
        ),
    )
    return company

"""Which company each account signs with. Nothing here commits."""

from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.companies.config import Companies, CompanyConfig
from billing_service.companies.models import AccountCompany
from billing_service.db import Outbox
from billing_service.ledger.repository import LedgerRepository
from shared.db import upsert_insert
from shared.errors import NotFound, ProblemError
from shared.events import AuditRecorded, CompanyAssigned, utcnow
from shared.outbox import add_event
from shared.security import Principal


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
    if result.rowcount:
        company = await company_of(session, companies, account_id)
        add_event(session, Outbox, assigned(account_id, company))


def assigned(account_id: UUID, company: CompanyConfig) -> CompanyAssigned:
    return CompanyAssigned(account_id=account_id, company=company.code, countries=company.countries)


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
    if await LedgerRepository(session).balance(account_id) is None:
        raise NotFound("Account")
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

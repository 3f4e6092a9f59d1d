from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.destinations.models import AccountCompanyCountries, DestinationExceptionRow
from dispatch_service.destinations.policy import Exceptions
from shared.db import upsert_insert, upsert_newest
from shared.events import CompanyAssigned


def exceptions_of(row: DestinationExceptionRow | None) -> Exceptions:
    if row is None:
        return Exceptions()
    return Exceptions(
        allowed_categories=frozenset(row.allowed_categories.split()),
        allowed_countries=frozenset(row.allowed_countries.split()),
    )


async def get(session: AsyncSession, account_id: UUID) -> DestinationExceptionRow | None:
    return await session.get(DestinationExceptionRow, account_id)


async def all_exceptions(session: AsyncSession) -> dict[UUID, Exceptions]:
    """Every account's exceptions: a few rows (only accounts an operator enabled something
    for), so each process keeps them all."""
    rows = (await session.scalars(select(DestinationExceptionRow))).all()
    return {row.account_id: exceptions_of(row) for row in rows}


async def put(
    session: AsyncSession,
    account_id: UUID,
    exceptions: Exceptions,
    note: str | None,
    changed_by: str,
    changed_at: datetime,
) -> None:
    table = DestinationExceptionRow.__table__
    values = {
        "allowed_categories": " ".join(sorted(exceptions.allowed_categories)),
        "allowed_countries": " ".join(sorted(exceptions.allowed_countries)),
        "note": note,
        "changed_by": changed_by,
        "changed_at": changed_at,
    }
    insert = upsert_insert(session, table).values(account_id=account_id, **values)
    await session.execute(
        insert.on_conflict_do_update(index_elements=[table.c.account_id], set_=values)
    )


async def company_countries(session: AsyncSession, account_id: UUID) -> frozenset[str] | None:
    """The account's company's countries; None before billing has said which company."""
    countries = await session.scalar(
        select(AccountCompanyCountries.countries).where(
            AccountCompanyCountries.account_id == account_id
        )
    )
    return None if countries is None else frozenset(countries.split())


async def company_currency(session: AsyncSession, account_id: UUID) -> str | None:
    """The account's currency; None before billing has said it (or which company)."""
    return await session.scalar(
        select(AccountCompanyCountries.currency).where(
            AccountCompanyCountries.account_id == account_id
        )
    )


async def assign_companies(session: AsyncSession, events: Sequence[CompanyAssigned]) -> None:
    """Each account's latest assignment, one statement; an older event changes nothing."""
    await upsert_newest(
        session,
        AccountCompanyCountries.__table__,
        ["account_id"],
        (
            {
                "account_id": e.account_id,
                "company": e.company,
                "countries": " ".join(sorted({c.upper() for c in e.countries})),
                "currency": e.currency.upper() if e.currency else None,
                "changed_at": e.occurred_at,
            }
            for e in events
        ),
    )

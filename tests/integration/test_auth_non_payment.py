"""auth's side of past-due suspension (issue 10 item 6), against PostgreSQL: billing's
`billing.payment_overdue` suspends an active account's sending, and
`billing.payment_overdue_cleared` reinstates only a suspension it made: an operator's
suspension, a block and a closing stay as they were."""

from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, create_sessionmaker
from shared.events import PaymentOverdue, PaymentOverdueCleared
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("auth"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def account(
    sessions: async_sessionmaker[AsyncSession], state: str, reason: str | None = None
) -> UUID:
    from auth_service.accounts.models import Account

    account_id = uuid4()
    async with sessions() as session, session.begin():
        session.add(Account(id=account_id, company_name="Acme", state=state, state_reason=reason))
    return account_id


async def state_of(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID
) -> tuple[str, str | None]:
    from auth_service.accounts.models import Account

    async with sessions() as session:
        row = (
            await session.execute(
                select(Account.state, Account.state_reason).where(Account.id == account_id)
            )
        ).one()
    return row.state, row.state_reason


async def test_overdue_suspends_active_accounts_and_payment_lifts_only_that(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from auth_service.states.non_payment import lift_when_paid, suspend_for_overdue

    active = await account(sessions, "active")
    by_operator = await account(sessions, "suspended", "unpaid contract fee")
    blocked = await account(sessions, "blocked", "spam")
    closed = await account(sessions, "closed")
    accounts = (active, by_operator, blocked, closed)
    overdue = [
        PaymentOverdue(
            account_id=account_id,
            invoice_id=uuid4(),
            number="EU-2026-000042",
            due_date=date(2026, 12, 16),
        )
        for account_id in accounts
    ]
    async with sessions() as session, session.begin():
        await suspend_for_overdue(session, overdue)
    assert await state_of(sessions, active) == (
        "suspended",
        "invoice_overdue: invoice EU-2026-000042 was due 2026-12-16",
    )
    assert await state_of(sessions, by_operator) == ("suspended", "unpaid contract fee")
    assert await state_of(sessions, blocked) == ("blocked", "spam")
    assert await state_of(sessions, closed) == ("closed", None)

    cleared = [
        PaymentOverdueCleared(account_id=account_id, invoice_id=uuid4()) for account_id in accounts
    ]
    async with sessions() as session, session.begin():
        await lift_when_paid(session, cleared)
    assert await state_of(sessions, active) == ("active", None)
    assert await state_of(sessions, by_operator) == ("suspended", "unpaid contract fee")
    assert await state_of(sessions, blocked) == ("blocked", "spam")
    assert await state_of(sessions, closed) == ("closed", None)

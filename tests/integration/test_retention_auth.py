"""auth's retention by clock (R5, R18), against its own migrated database: an account nobody
used for almost 3 years gets a notice by e-mail (queued in auth's mail), and a month later,
still unused, it is closed like an owner's close (account.state_changed on the outbox for
every other service's clock, an audit record, sessions ended). A login or an API key's use
starts the clock over; blocked and other accounts are left alone."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.accounts.models import Account, User
from auth_service.api_keys.models import ApiKey
from auth_service.audit.models import AuditRecord
from auth_service.db import Outbox
from auth_service.mail.models import OutgoingMail
from auth_service.retention.service import retention_job
from auth_service.sessions.service import touch
from shared.db import create_engine, create_sessionmaker
from tests.integration.auth_support import AuthApp
from tests.integration.test_auth_audit import logged_in
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
THREE_YEARS = 3 * 365 * DAY


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("auth"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def account(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    state: str = "active",
    key_used_at: datetime | None = None,
) -> UUID:
    account_id = uuid4()
    async with sessions() as session, session.begin():
        session.add(Account(id=account_id, company_name=name, state=state, created_at=CREATED))
        await session.flush()
        session.add(
            User(
                account_id=account_id,
                email=f"owner-{account_id.hex[:8]}@example.com",
                password_hash="x",
                role="owner",
                created_at=CREATED,
            )
        )
        if key_used_at is not None:
            session.add(
                ApiKey(
                    account_id=account_id,
                    created_by="test",
                    name="shop",
                    prefix="sk_live_x",
                    key_hash=uuid4().hex * 2,
                    scopes=["*"],
                    last_used_at=key_used_at,
                )
            )
    return account_id


async def states(sessions: async_sessionmaker[AsyncSession]) -> dict[UUID, tuple[str, bool]]:
    async with sessions() as session:
        rows = await session.execute(
            select(Account.id, Account.state, Account.inactivity_notice_at.is_not(None))
        )
        return {row[0]: (row[1], row[2]) for row in rows}


async def mailed(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return sorted(await session.scalars(select(OutgoingMail.recipient)))


async def test_an_unused_account_is_noticed_then_closed_a_month_later(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    unused = await account(sessions, "Dormant Ltd")
    keyed = await account(sessions, "Machines Ltd", key_used_at=CREATED + 400 * DAY)
    blocked = await account(sessions, "Abuse Ltd", state="blocked")
    returning = await account(sessions, "Back Again Ltd")

    async def at(moment: datetime) -> int:
        job = retention_job(sessions, batch_size=1, clock=lambda: moment)
        return (await job.run_once())["inactive_accounts"]

    # Not yet within the notice month of 3 years.
    assert await at(CREATED + THREE_YEARS - 31 * DAY) == 0
    assert await mailed(sessions) == []

    # Within it: the two unused, open accounts get their notice (batches of one).
    noticed_at = CREATED + THREE_YEARS - 29 * DAY
    assert await at(noticed_at) == 2
    found = await states(sessions)
    assert found[unused] == ("active", True)
    assert found[returning] == ("active", True)
    assert found[keyed] == ("active", False)
    assert found[blocked] == ("blocked", False)
    assert await mailed(sessions) == sorted(
        [f"owner-{unused.hex[:8]}@example.com", f"owner-{returning.hex[:8]}@example.com"]
    )
    async with sessions() as session:
        body = await session.scalar(select(OutgoingMail.body).limit(1))
    assert body is not None
    assert "closed on" in body
    # A second round mails nobody again.
    assert await at(noticed_at + DAY) == 0
    assert len(await mailed(sessions)) == 2

    # Someone logs in to one of them: its clock and notice start over.
    async with sessions() as session, session.begin():
        back = await session.get(Account, returning)
        assert back is not None
        touch(back, now=noticed_at + DAY)

    # 3 years unused but the notice is not a month old yet: nothing closes.
    assert await at(CREATED + THREE_YEARS + DAY) == 0
    assert (await states(sessions))[unused] == ("active", True)

    # A month after the notice: closed, with its event and audit record.
    assert await at(noticed_at + 31 * DAY) == 1
    found = await states(sessions)
    assert found[unused][0] == "closed"
    assert found[returning] == ("active", False)
    assert found[keyed][0] == "active"
    assert found[blocked][0] == "blocked"
    async with sessions() as session:
        events = list(
            await session.scalars(
                select(Outbox.payload).where(Outbox.type == "account.state_changed")
            )
        )
        actions = list(
            await session.scalars(
                select(AuditRecord.action).where(AuditRecord.account_id == unused)
            )
        )
    assert len(events) == 1
    assert str(unused) in events[0]
    assert '"closed"' in events[0]
    assert actions == ["account.closed"]


async def test_a_login_and_a_refresh_are_use_that_clears_a_notice(
    auth_app: AuthApp, auth_database: str
) -> None:
    engine = create_engine(auth_database)
    real = create_sessionmaker(engine)
    try:
        async with auth_app() as (_, client):
            logged = await logged_in(client)
            account_id = UUID(logged["account_id"])
            async with real() as session:
                first = await session.get(Account, account_id)
            assert first is not None
            assert first.last_active_at is not None

            # As if the notice had gone out: the next refresh is use, and clears it.
            async with real() as session, session.begin():
                await session.execute(
                    update(Account)
                    .where(Account.id == account_id)
                    .values(inactivity_notice_at=datetime.now(UTC))
                )
            refreshed = await client.post(
                "/v1/auth/refresh", json={"refresh_token": logged["refresh_token"]}
            )
            assert refreshed.status_code == 200, refreshed.text
            async with real() as session:
                after = await session.get(Account, account_id)
            assert after is not None
            assert after.inactivity_notice_at is None
    finally:
        await engine.dispose()

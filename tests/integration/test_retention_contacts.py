"""contacts' retention by clock (R18), against its own migrated database: 60 days after an
account was closed, everything it kept here goes (contacts with their tags, values and
memberships, consent records, unsubscribe tokens, groups, custom fields, imports and their
files); before that nothing does, and other accounts, open or reopened, keep everything."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact, ContactTag, ContactValue
from contacts_service.fields.models import CustomField
from contacts_service.groups.models import ContactGroup, GroupMember
from contacts_service.imports.models import ContactImport
from contacts_service.retention.handlers import on_account_states_changed
from contacts_service.retention.models import AccountStateRow
from contacts_service.retention.service import retention_job
from contacts_service.unsubscribe.models import UnsubscribeToken
from shared.db import create_engine, create_sessionmaker
from shared.events import AccountState, AccountStateChanged, utcnow
from tests.integration.contacts_support import add_contact, bearer, contacts_client
from tests.support.apps import AuthClient
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

CLOSED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TABLES: tuple[Any, ...] = (
    Contact,
    ContactTag,
    ContactValue,
    ConsentRecord,
    UnsubscribeToken,
    ContactGroup,
    CustomField,
    ContactImport,
)


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("contacts"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def fill(
    sessions: async_sessionmaker[AsyncSession], directory: Path, account_id: UUID, n: int
) -> None:
    """`n` contacts with a tag, a custom value, a group membership, a consent record and an
    unsubscribe token each, and one finished import whose upload is still on disk."""
    import_id = uuid4()
    (directory / f"{import_id}.csv").write_text("phone\n+447700900001\n")
    async with sessions() as session, session.begin():
        session.add(CustomField(account_id=account_id, key="points", type="number"))
        group = ContactGroup(account_id=account_id, name="vip")
        session.add(group)
        # Finished a day before the check, so that only the closure can make it go.
        session.add(
            ContactImport(
                id=import_id,
                account_id=account_id,
                state="done",
                file_name="list.csv",
                mapping={"phone": "phone"},
                finished_at=CLOSED_AT + 59 * DAY,
            )
        )
        await session.flush()
        for i in range(n):
            contact = Contact(account_id=account_id, phone=f"+4477009{i:05d}", name=f"P{i}")
            session.add(contact)
            await session.flush()
            session.add_all(
                [
                    ContactTag(contact_id=contact.id, account_id=account_id, tag="vip"),
                    ContactValue(
                        contact_id=contact.id, key="points", account_id=account_id, value=i
                    ),
                    GroupMember(group_id=group.id, contact_id=contact.id),
                    ConsentRecord(
                        id=uuid4(),
                        account_id=account_id,
                        phone=contact.phone,
                        contact_id=contact.id,
                        purpose="marketing",
                        granted=True,
                        source="api",
                        recorded_at=CLOSED_AT - 90 * DAY,
                    ),
                    UnsubscribeToken(
                        token=uuid4().hex[:16], account_id=account_id, phone=contact.phone
                    ),
                ]
            )


async def change_state(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID, state: AccountState, at: datetime
) -> None:
    event = AccountStateChanged(account_id=account_id, state=state, occurred_at=at)
    async with sessions() as session, session.begin():
        await on_account_states_changed(session, [event])


async def rows(sessions: async_sessionmaker[AsyncSession], account_id: UUID) -> dict[str, int]:
    async with sessions() as session:
        found = {
            model.__tablename__: int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.account_id == account_id)
                )
                or 0
            )
            for model in TABLES
        }
        found["contact_group_members"] = int(
            await session.scalar(
                select(func.count())
                .select_from(GroupMember)
                .join(ContactGroup, ContactGroup.id == GroupMember.group_id)
                .where(ContactGroup.account_id == account_id)
            )
            or 0
        )
        return found


async def test_a_closed_accounts_contacts_go_60_days_after_closing(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    closed, other, reopened = uuid4(), uuid4(), uuid4()
    for account_id in (closed, other, reopened):
        await fill(sessions, tmp_path, account_id, 7)
    full = await rows(sessions, other)
    assert set(full.values()) == {1, 7}
    await change_state(sessions, closed, "closed", CLOSED_AT)
    await change_state(sessions, reopened, "closed", CLOSED_AT)
    # A replayed older event does not move the clock back.
    await change_state(sessions, closed, "active", CLOSED_AT - DAY)
    await change_state(sessions, reopened, "active", CLOSED_AT + 5 * DAY)

    async def at(moment: datetime) -> dict[str, int]:
        job = retention_job(sessions, str(tmp_path), batch_size=3, clock=lambda: moment)
        return await job.run_once()

    assert await at(CLOSED_AT + 59 * DAY) == {"import_files": 0, "contacts": 0}
    assert await rows(sessions, closed) == full
    assert len(list(tmp_path.iterdir())) == 3

    # 7 contacts, 7 consent records, 7 tokens, a group, a field, an import.
    assert await at(CLOSED_AT + 61 * DAY) == {"import_files": 0, "contacts": 24}
    assert set((await rows(sessions, closed)).values()) == {0}
    assert len(list(tmp_path.iterdir())) == 2
    assert await at(CLOSED_AT + 62 * DAY) == {"import_files": 0, "contacts": 0}

    for account_id in (other, reopened):
        assert await rows(sessions, account_id) == full


async def test_an_owners_close_in_auth_starts_contacts_clock(
    databases: Databases, broker: str, auth_service: AuthClient, tmp_path: Path
) -> None:
    """End to end: auth's account.state_changed crosses the broker into contacts' own
    projection, and the retention job then deletes that account's contacts only."""
    url = await databases.create("contacts")
    closing, closing_token = await auth_service.new_account()
    staying, staying_token = await auth_service.new_account()
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with contacts_client(url, broker, auth_service) as client:
            for token in (closing_token, staying_token):
                assert (await add_contact(client, token)).status_code == 201
            async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
                closed = await auth.post("/v1/account/close", headers=bearer(closing_token))
            assert closed.status_code == 204, closed.text

            async with asyncio.timeout(60):
                while True:
                    async with sessions() as session:
                        row = await session.get(AccountStateRow, closing)
                    if row is not None and row.state == "closed":
                        break
                    await asyncio.sleep(0.2)

            job = retention_job(sessions, str(tmp_path), 500, clock=lambda: utcnow() + 61 * DAY)
            assert (await job.run_once())["contacts"] == 1
            kept = await client.get("/v1/contacts", headers=bearer(staying_token))
            assert len(kept.json()["items"]) == 1
        assert (await rows(sessions, closing))["contacts"] == 0
        assert (await rows(sessions, staying))["contacts"] == 1
    finally:
        await engine.dispose()

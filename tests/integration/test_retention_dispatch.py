"""dispatch's retention by clock (R18), against its own migrated database: messages of an
account closed 60 days ago lose their texts, 120 days ago the messages themselves; an
account that is open, or was reopened, keeps everything. The clock is moved, not waited."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.accounts.handlers import on_account_states_changed
from dispatch_service.campaigns.models import Campaign, CampaignChunk, CampaignRecipient
from dispatch_service.history.models import MessagePartEvent
from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.replies.models import InboundAddress
from dispatch_service.retention.service import retention_job
from shared.db import create_engine, create_sessionmaker
from shared.events import AccountState, AccountStateChanged
from shared.retention import REDACTED_TEXT
from tests.support.databases import ROOT, Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

CLOSED_AT = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
# What a round reports when it found nothing to do.
NONE = {
    "message_texts": 0,
    "messages": 0,
    "campaign_texts": 0,
    "campaigns": 0,
    "concat_references": 0,
}


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("dispatch"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def add_messages(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID, count: int
) -> None:
    async with sessions() as session, session.begin():
        for n in range(count):
            message_id = uuid4()
            session.add(
                Message(
                    id=message_id,
                    account_id=account_id,
                    to_number=f"+4477009{n:05d}",
                    sender="Acme",
                    text=f"Your code is {n}",
                    encoding="gsm7",
                    segments=2,
                    concat_reference=n % 256,
                    status="delivered",
                    created_at=CLOSED_AT - 30 * DAY,
                    parts=[
                        MessagePart(part_index=i, text=f"part {i} of {n}", status="delivered")
                        for i in (1, 2)
                    ],
                )
            )
            await session.flush()
            session.add(
                InboundAddress(
                    inbound_id=uuid4(),
                    account_id=account_id,
                    from_number=f"+4477009{n:05d}",
                    to_number="+447700900000",
                    received_at=CLOSED_AT - 20 * DAY,
                )
            )
            for i in (1, 2):
                session.add(
                    MessagePartEvent(
                        message_id=message_id,
                        part_index=i,
                        account_id=account_id,
                        status="delivered",
                        occurred_at=CLOSED_AT - 30 * DAY,
                    )
                )


async def change_state(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID, state: AccountState, at: datetime
) -> None:
    # Through the inbox handler, as auth's account.state_changed arrives.
    event = AccountStateChanged(account_id=account_id, state=state, occurred_at=at)
    async with sessions() as session, session.begin():
        await on_account_states_changed(session, [event])


async def texts(sessions: async_sessionmaker[AsyncSession], account_id: UUID) -> set[str]:
    async with sessions() as session:
        messages = await session.scalars(
            select(Message.text).where(Message.account_id == account_id)
        )
        parts = await session.scalars(
            select(MessagePart.text)
            .join(Message, Message.id == MessagePart.message_id)
            .where(Message.account_id == account_id)
        )
        return set(messages) | set(parts)


async def count(sessions: async_sessionmaker[AsyncSession], model: type, account_id: UUID) -> int:
    async with sessions() as session:
        column = model.account_id  # type: ignore[attr-defined]
        total = await session.scalar(
            select(func.count()).select_from(model).where(column == account_id)
        )
        return int(total or 0)


async def test_closed_accounts_messages_are_redacted_then_deleted_by_the_clock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    closed, other, reopened = uuid4(), uuid4(), uuid4()
    for account_id in (closed, other, reopened):
        await add_messages(sessions, account_id, 5)
    await change_state(sessions, closed, "closed", CLOSED_AT)
    await change_state(sessions, reopened, "closed", CLOSED_AT)
    await change_state(sessions, reopened, "active", CLOSED_AT + 10 * DAY)

    async def at(moment: datetime) -> dict[str, int]:
        # batches of 2: five messages take three transactions per step
        return await retention_job(sessions, batch_size=2, clock=lambda: moment).run_once()

    # One day short of 60: nothing yet.
    assert await at(CLOSED_AT + 59 * DAY) == NONE
    assert REDACTED_TEXT not in await texts(sessions, closed)

    # Past 60 days: the closed account's texts are gone, its rows and history stay.
    assert await at(CLOSED_AT + 61 * DAY) == {**NONE, "message_texts": 5}
    assert await texts(sessions, closed) == {REDACTED_TEXT}
    assert await count(sessions, Message, closed) == 5
    assert await count(sessions, MessagePartEvent, closed) == 10
    # A second round finds nothing more to redact.
    assert await at(CLOSED_AT + 62 * DAY) == NONE

    # Past 120 days: the rows go, with their parts and history, and the reply addresses.
    assert await at(CLOSED_AT + 121 * DAY) == {**NONE, "messages": 10}
    assert await count(sessions, Message, closed) == 0
    assert await count(sessions, InboundAddress, closed) == 0
    assert await count(sessions, MessagePartEvent, closed) == 0
    async with sessions() as session:
        orphans = await session.scalar(
            select(func.count())
            .select_from(MessagePart)
            .outerjoin(Message, Message.id == MessagePart.message_id)
            .where(Message.id.is_(None))
        )
    assert orphans == 0

    # The open account and the reopened one keep every message and every text.
    for account_id in (other, reopened):
        assert await count(sessions, Message, account_id) == 5
        assert await count(sessions, InboundAddress, account_id) == 5
        assert REDACTED_TEXT not in await texts(sessions, account_id)
        assert len(await texts(sessions, account_id)) == 15


async def add_campaign(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID, recipients: int
) -> UUID:
    campaign_id = uuid4()
    async with sessions() as session, session.begin():
        session.add(
            Campaign(
                id=campaign_id,
                account_id=account_id,
                name="Spring sale",
                text="Hi {{name}}, 20% off this week. Reply STOP to opt out",
                purpose="marketing",
                group_ids=[],
                state="completed",
                audience_complete=True,
                chunks_received=1,
                recipients=recipients,
                created_at=CLOSED_AT - 30 * DAY,
                updated_at=CLOSED_AT - 30 * DAY,
            )
        )
        await session.flush()
        session.add(
            CampaignChunk(
                campaign_id=campaign_id,
                chunk_no=0,
                recipients=recipients,
                received_at=CLOSED_AT - 30 * DAY,
            )
        )
        session.add_all(
            CampaignRecipient(
                campaign_id=campaign_id,
                chunk_no=0,
                position=n,
                phone=f"+4477009{n:05d}",
                fields={"name": f"Person {n}"},
                state="pending",
            )
            for n in range(recipients)
        )
    return campaign_id


async def campaign_rows(
    sessions: async_sessionmaker[AsyncSession], campaign_id: UUID
) -> tuple[set[str], list[dict[str, str]], int]:
    """The campaign's texts, its recipients' values, and its chunks."""
    async with sessions() as session:
        campaign_texts = set(
            await session.scalars(select(Campaign.text).where(Campaign.id == campaign_id))
        )
        values = list(
            await session.scalars(
                select(CampaignRecipient.fields).where(CampaignRecipient.campaign_id == campaign_id)
            )
        )
        chunks = await session.scalar(
            select(func.count())
            .select_from(CampaignChunk)
            .where(CampaignChunk.campaign_id == campaign_id)
        )
        return campaign_texts, values, int(chunks or 0)


async def test_closed_accounts_campaigns_are_redacted_then_deleted_by_the_clock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    closed, other = uuid4(), uuid4()
    gone = [await add_campaign(sessions, closed, 3) for _ in range(3)]
    kept = await add_campaign(sessions, other, 3)
    await change_state(sessions, closed, "closed", CLOSED_AT)

    async def at(moment: datetime) -> dict[str, int]:
        return await retention_job(sessions, batch_size=2, clock=lambda: moment).run_once()

    assert await at(CLOSED_AT + 59 * DAY) == NONE
    assert (await campaign_rows(sessions, gone[0]))[1][0] == {"name": "Person 0"}

    # Past 60 days: texts and personalisation values go, the campaigns and counts stay.
    assert await at(CLOSED_AT + 61 * DAY) == {**NONE, "campaign_texts": 3}
    for campaign_id in gone:
        assert await campaign_rows(sessions, campaign_id) == ({REDACTED_TEXT}, [{}] * 3, 1)
    assert await at(CLOSED_AT + 62 * DAY) == NONE

    # Past 120 days: the campaigns go, with their recipients' numbers and chunks.
    assert await at(CLOSED_AT + 121 * DAY) == {**NONE, "campaigns": 3}
    for campaign_id in gone:
        assert await campaign_rows(sessions, campaign_id) == (set(), [], 0)
    async with sessions() as session:
        numbers = await session.scalar(
            select(func.count())
            .select_from(CampaignRecipient)
            .where(CampaignRecipient.campaign_id.in_(gone))
        )
    assert numbers == 0

    # The open account's campaign keeps everything.
    texts_kept, values_kept, chunks_kept = await campaign_rows(sessions, kept)
    assert REDACTED_TEXT not in texts_kept
    assert values_kept == [{"name": f"Person {n}"} for n in range(3)]
    assert chunks_kept == 1


async def test_a_numbers_long_message_counter_goes_a_week_after_its_last_use(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dispatch_service.messages import repository
    from dispatch_service.messages.models import ConcatReference

    used = datetime.now(UTC)
    async with sessions() as session, session.begin():
        first = await repository.next_concat_reference(session, "+447700900001")
        await repository.next_concat_references(session, {"+447700900002": 2})

    async def at(moment: datetime) -> dict[str, int]:
        return await retention_job(sessions, batch_size=1, clock=lambda: moment).run_once()

    assert await at(used + 6 * DAY) == NONE
    # One number gets another long message on day 5: its week starts over.
    monkeypatch.setattr(repository, "utcnow", lambda: used + 5 * DAY)
    async with sessions() as session, session.begin():
        assert await repository.next_concat_reference(session, "+447700900001") == (first + 1) % 256
    assert await at(used + 8 * DAY) == {**NONE, "concat_references": 1}
    async with sessions() as session:
        kept = set(await session.scalars(select(ConcatReference.to_number)))
    assert kept == {"+447700900001"}
    assert await at(used + 13 * DAY) == {**NONE, "concat_references": 1}


async def test_one_round_by_hand_from_the_command_line(databases: Databases) -> None:
    url = await databases.create("dispatch")
    engine = create_engine(url)
    try:
        sessions = create_sessionmaker(engine)
        closed = uuid4()
        await add_messages(sessions, closed, 2)
        await change_state(sessions, closed, "closed", datetime.now(UTC) - 61 * DAY)
    finally:
        await engine.dispose()

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "services" / "dispatch")]),
        "DISPATCH_DATABASE_URL": url,
    }
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "dispatch_service.retention", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {**NONE, "message_texts": 2}

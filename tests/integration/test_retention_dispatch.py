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
    assert await at(CLOSED_AT + 59 * DAY) == {"message_texts": 0, "messages": 0}
    assert REDACTED_TEXT not in await texts(sessions, closed)

    # Past 60 days: the closed account's texts are gone, its rows and history stay.
    assert await at(CLOSED_AT + 61 * DAY) == {"message_texts": 5, "messages": 0}
    assert await texts(sessions, closed) == {REDACTED_TEXT}
    assert await count(sessions, Message, closed) == 5
    assert await count(sessions, MessagePartEvent, closed) == 10
    # A second round finds nothing more to redact.
    assert await at(CLOSED_AT + 62 * DAY) == {"message_texts": 0, "messages": 0}

    # Past 120 days: the rows go, with their parts and history, and the reply addresses.
    assert await at(CLOSED_AT + 121 * DAY) == {"message_texts": 0, "messages": 10}
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
    assert json.loads(result.stdout) == {"message_texts": 2, "messages": 0}

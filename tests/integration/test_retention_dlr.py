"""dlr's retention by clock (R18), against its own migrated database: inbound SMS of an
account closed 60 days ago lose their texts (and raw payloads), 120 days ago they go with
their parts and the account's reply-ownership rows; webhook events go 30 days after they
happened, whoever's they are. Open and reopened accounts keep their inbound SMS."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.inbound.models import InboundMessage, InboundPart, LastSend
from dlr_service.privacy.models import MessageRecipient
from dlr_service.receipts.models import ReceiptRecord, SubmittedPart
from dlr_service.retention.handlers import on_account_states_changed
from dlr_service.retention.service import retention_job
from dlr_service.webhooks.models import WebhookEvent
from shared.db import create_engine, create_sessionmaker
from shared.erasure import digest
from shared.events import AccountState, AccountStateChanged
from shared.retention import REDACTED_TEXT
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

CLOSED_AT = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("dlr"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def receive(sessions: async_sessionmaker[AsyncSession], account_id: UUID, count: int) -> None:
    """`count` two-part inbound SMS, the last one malformed (its payload kept), and the
    account's last send to each sender."""
    async with sessions() as session, session.begin():
        for n in range(count):
            inbound_id, sender = uuid4(), f"+4477009{n:05d}"
            malformed = n == count - 1
            session.add(
                InboundMessage(
                    id=inbound_id,
                    account_id=account_id,
                    from_number=sender,
                    to_number=f"+44700{account_id.int % 10**6:06d}",
                    text=f"call me about {n}",
                    received_at=CLOSED_AT - 10 * DAY,
                    parts=2,
                    malformed=malformed,
                    raw_hex="deadbeef" if malformed else None,
                )
            )
            for seq in (1, 2):
                session.add(
                    InboundPart(
                        id=uuid4(),
                        smsc="default",
                        from_number=sender,
                        to_number="+447000000000",
                        reference=n,
                        total=2,
                        seq=seq,
                        text=f"half {seq}",
                        received_at=CLOSED_AT - 10 * DAY,
                        stored_at=CLOSED_AT - 10 * DAY,
                        inbound_id=inbound_id,
                    )
                )
            session.add(
                LastSend(
                    sender=f"S{account_id.hex[:8]}",
                    recipient=sender,
                    account_id=account_id,
                    last_sent_at=CLOSED_AT - 11 * DAY,
                )
            )
            message_id = uuid4()
            session.add(
                SubmittedPart(
                    smsc="default",
                    smsc_key=message_id.hex,
                    smsc_message_id=message_id.hex,
                    account_id=account_id,
                    message_id=message_id,
                    part_index=1,
                    submitted_at=CLOSED_AT - 11 * DAY,
                )
            )
            session.add(
                ReceiptRecord(
                    account_id=account_id,
                    message_id=message_id,
                    part_index=1,
                    smsc_message_id=message_id.hex,
                    state="DELIVERED",
                    status="delivered",
                    intermediate=False,
                    raw_text=f"id:{message_id.hex} stat:DELIVRD text:call me about {n}",
                    received_at=CLOSED_AT - 11 * DAY,
                )
            )
            session.add(
                MessageRecipient(
                    message_id=message_id,
                    account_id=account_id,
                    number_digest=digest(account_id, sender),
                    accepted_at=CLOSED_AT - 11 * DAY,
                )
            )


async def change_state(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID, state: AccountState, at: datetime
) -> None:
    event = AccountStateChanged(account_id=account_id, state=state, occurred_at=at)
    async with sessions() as session, session.begin():
        await on_account_states_changed(session, [event])


async def inbound(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID
) -> tuple[set[str], set[str | None], set[str], int]:
    """The account's message texts, raw payloads, part texts and reply-ownership rows."""
    async with sessions() as session:
        messages = (
            await session.execute(
                select(InboundMessage.id, InboundMessage.text, InboundMessage.raw_hex).where(
                    InboundMessage.account_id == account_id
                )
            )
        ).all()
        parts = await session.scalars(
            select(InboundPart.text).where(InboundPart.inbound_id.in_([m.id for m in messages]))
        )
        sends = await session.scalar(
            select(func.count()).select_from(LastSend).where(LastSend.account_id == account_id)
        )
        return (
            {m.text for m in messages},
            {m.raw_hex for m in messages},
            set(parts),
            int(sends or 0),
        )


async def recipients(sessions: async_sessionmaker[AsyncSession], account_id: UUID) -> int:
    """How many of the account's sent messages' numbers (digests) are kept."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(MessageRecipient)
            .where(MessageRecipient.account_id == account_id)
        )
        return int(count or 0)


async def receipts(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID
) -> tuple[set[str], int]:
    """The account's receipts' raw texts, and how many of its parts' SMSC ids are kept."""
    async with sessions() as session:
        texts = await session.scalars(
            select(ReceiptRecord.raw_text).where(ReceiptRecord.account_id == account_id)
        )
        submitted = await session.scalar(
            select(func.count())
            .select_from(SubmittedPart)
            .where(SubmittedPart.account_id == account_id)
        )
        return set(texts), int(submitted or 0)


async def test_closed_accounts_inbound_is_redacted_then_deleted_by_the_clock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    closed, other, reopened = uuid4(), uuid4(), uuid4()
    for account_id in (closed, other, reopened):
        await receive(sessions, account_id, 4)
    await change_state(sessions, closed, "closed", CLOSED_AT)
    await change_state(sessions, reopened, "closed", CLOSED_AT)
    await change_state(sessions, reopened, "active", CLOSED_AT + 30 * DAY)

    async def at(moment: datetime) -> dict[str, int]:
        job = retention_job(sessions, batch_size=3, clock=lambda: moment)
        return await job.run_once()

    nothing = {
        "inbound_texts": 0,
        "inbound_messages": 0,
        "receipt_texts": 0,
        "receipts": 0,
        "unmatched_receipts": 0,
        "webhook_attempts": 0,
    }
    assert await at(CLOSED_AT + 59 * DAY) == nothing
    assert (await inbound(sessions, closed))[0] == {f"call me about {n}" for n in range(4)}

    assert await at(CLOSED_AT + 61 * DAY) == {**nothing, "inbound_texts": 4, "receipt_texts": 4}
    assert await inbound(sessions, closed) == ({REDACTED_TEXT}, {None}, {REDACTED_TEXT}, 4)
    assert await receipts(sessions, closed) == ({REDACTED_TEXT}, 4)
    assert await at(CLOSED_AT + 62 * DAY) == nothing

    # 4 messages (with their 8 parts), 4 reply-ownership rows, 4 sent messages' numbers.
    # 4 receipts and the 4 parts' SMSC ids.
    assert await at(CLOSED_AT + 121 * DAY) == {**nothing, "inbound_messages": 12, "receipts": 8}
    assert await inbound(sessions, closed) == (set(), set(), set(), 0)
    assert await receipts(sessions, closed) == (set(), 0)
    assert await recipients(sessions, closed) == 0
    async with sessions() as session:
        orphans = await session.scalar(
            select(func.count())
            .select_from(InboundPart)
            .outerjoin(InboundMessage, InboundMessage.id == InboundPart.inbound_id)
            .where(InboundMessage.id.is_(None))
        )
    assert orphans == 0

    for account_id in (other, reopened):
        texts, raw, parts, sends = await inbound(sessions, account_id)
        assert parts == {"half 1", "half 2"}
        assert texts == {f"call me about {n}" for n in range(4)}
        assert raw == {None, "deadbeef"}
        assert sends == 4
        assert await recipients(sessions, account_id) == 4
        kept, submitted = await receipts(sessions, account_id)
        assert len(kept) == 4
        assert REDACTED_TEXT not in kept
        assert submitted == 4


async def test_webhook_events_go_30_days_after_they_happened(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    async with sessions() as session, session.begin():
        for age in (29, 31, 45, 90):
            session.add(
                WebhookEvent(
                    account_id=uuid4(),
                    type="message.status",
                    payload={"to": "+447700900001"},
                    occurred_at=now - age * DAY,
                )
            )
    done = await retention_job(sessions, batch_size=2, clock=lambda: now).run_once()
    assert done["webhook_attempts"] == 3
    async with sessions() as session:
        left = list(await session.scalars(select(WebhookEvent.occurred_at)))
    assert left == [now - 29 * DAY]


async def test_receipts_matched_to_no_part_go_30_days_after_they_came(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    async with sessions() as session, session.begin():
        for age in (29, 31, 45):
            session.add(
                ReceiptRecord(
                    match_status="unmatched",
                    smsc_message_id=uuid4().hex,
                    state="DELIVERED",
                    status="delivered",
                    intermediate=False,
                    raw_text=f"id:x stat:DELIVRD text:aged {age}",
                    received_at=now - age * DAY,
                )
            )
    done = await retention_job(sessions, batch_size=1, clock=lambda: now).run_once()
    assert done["unmatched_receipts"] == 2
    async with sessions() as session:
        left = list(
            await session.scalars(
                select(ReceiptRecord.raw_text).where(ReceiptRecord.account_id.is_(None))
            )
        )
    assert left == ["id:x stat:DELIVRD text:aged 29"]

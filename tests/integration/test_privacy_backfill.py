"""The backfill of dlr's record of whom messages went to (issue 11 item 5), against
PostgreSQL and the broker: messages dispatch accepted before dlr kept that record are sent to
it by `python -m dispatch_service.privacy --backfill-recipients` through dispatch's outbox;
an erasure of a number then redacts the receipts of its older messages, which quote the text
but name no number, and leaves other numbers' and accounts' receipts alone. Running it again
adds what is new and brings nothing erased back."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import func, select

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox as DispatchOutbox
from dispatch_service.models import Message
from dispatch_service.privacy.backfill import main as backfill
from dlr_service.config import DlrSettings
from dlr_service.db import Inbox
from dlr_service.main import create_app as create_dlr
from dlr_service.models import ReceiptRecord
from dlr_service.privacy.models import MessageRecipient
from shared.events import PrivacyErasureRequested, utcnow
from shared.kafka import new_producer
from shared.runtime import ServiceRuntime
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import eventually, publish_event

pytestmark = pytest.mark.asyncio(loop_scope="session")

NUMBER = "+447700900432"
OTHER_NUMBER = "+447700900765"


@dataclass
class Platform:
    dispatch: ServiceRuntime
    dispatch_url: str
    dlr: FastAPI
    producer: AIOKafkaProducer

    @property
    def dlr_runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.dlr.state.runtime
        return runtime


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    dispatch_url = await databases.create("dispatch")
    dispatch = ServiceRuntime(
        settings=DispatchSettings(
            database_url=dispatch_url, kafka_bootstrap_servers=broker, environment="test"
        ),
        outbox_model=DispatchOutbox,
    )
    await dispatch.start()  # its outbox relay publishes what the backfill stages
    dlr = create_dlr(
        DlrSettings(
            database_url=await databases.create("dlr"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
        )
    )
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(dlr):
            yield Platform(dispatch, dispatch_url, dlr, producer)
    finally:
        await producer.stop()
        await dispatch.stop()


async def _message(platform: Platform, account_id: UUID, to: str, text: str, age: int) -> UUID:
    """A message dispatch accepted `age` days ago, and its receipt in dlr quoting the text:
    dlr never heard of its number (no `message.accepted` reached it since)."""
    message = Message(
        id=uuid4(),
        account_id=account_id,
        to_number=to,
        sender="Acme",
        text=text,
        encoding="gsm7",
        segments=1,
        concat_reference=0,
        status="delivered",
        created_at=utcnow() - timedelta(days=age),
    )
    async with platform.dispatch.sessionmaker() as session, session.begin():
        session.add(message)
    async with platform.dlr_runtime.sessionmaker() as session, session.begin():
        session.add(
            ReceiptRecord(
                account_id=account_id,
                message_id=message.id,
                part_index=1,
                smsc_message_id=uuid4().hex[:10],
                state="DELIVERED",
                status="delivered",
                intermediate=False,
                raw_text=f"id:1 sub:001 dlvrd:001 stat:DELIVRD err:000 text:{text}",
                received_at=utcnow(),
            )
        )
    return message.id


async def _run(platform: Platform, capsys: pytest.CaptureFixture[str], *args: str) -> int:
    """The CLI as an operator runs it; returns how many messages it sent."""
    code = await asyncio.to_thread(
        backfill, platform.dispatch_url, ["--backfill-recipients", *args]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    messages: int = printed["messages"]
    return messages


async def _recipients(platform: Platform, ids: list[UUID]) -> dict[UUID, str | None]:
    async with platform.dlr_runtime.sessionmaker() as session:
        rows = await session.execute(
            select(MessageRecipient.message_id, MessageRecipient.number_digest).where(
                MessageRecipient.message_id.in_(ids)
            )
        )
        return {row.message_id: row.number_digest for row in rows}


async def _raw_texts(platform: Platform, ids: list[UUID]) -> list[str]:
    async with platform.dlr_runtime.sessionmaker() as session:
        statement = select(ReceiptRecord.raw_text).where(ReceiptRecord.message_id.in_(ids))
        return list((await session.scalars(statement)).all())


async def _erase(platform: Platform, account_id: UUID, phone: str) -> None:
    event = PrivacyErasureRequested(account_id=account_id, erasure_id=uuid4(), phone=phone)
    await publish_event(platform.producer, event.topic, event)

    async def handled() -> bool:
        async with platform.dlr_runtime.sessionmaker() as session:
            statement = select(func.count()).where(Inbox.event_id == event.event_id)
            return await session.scalar(statement) == 1

    assert await eventually(handled)


async def test_an_erasure_finds_the_receipts_of_messages_from_before_the_record(
    platform: Platform, auth_service: AuthClient, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id, other_account = uuid4(), uuid4()
    mine = [await _message(platform, account_id, NUMBER, f"Your code is {i}", 90) for i in (1, 2)]
    theirs = await _message(platform, account_id, OTHER_NUMBER, "Hello Bo", 90)
    elsewhere = await _message(platform, other_account, NUMBER, "Another tenant's", 90)
    # Erased in dispatch already: nothing to send.
    gone = await _message(platform, account_id, "redacted", "[redacted]", 90)
    everything = [*mine, theirs, elsewhere, gone]

    # Pages of two: one event per account and page.
    assert await _run(platform, capsys, "--page-size", "2") == 4

    async def recorded() -> bool:
        return len(await _recipients(platform, everything)) == 4

    assert await eventually(recorded)
    assert gone not in await _recipients(platform, everything)

    await _erase(platform, account_id, NUMBER)

    assert await _raw_texts(platform, mine) == ["[redacted]", "[redacted]"]
    assert await _raw_texts(platform, [theirs]) == [
        "id:1 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Hello Bo"
    ]
    assert await _raw_texts(platform, [elsewhere]) == [
        "id:1 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Another tenant's"
    ]

    # Run again, with a message to the number sent after the erasure (new data): that one
    # is recorded; the erased ones stay erased though dispatch sends them once more.
    later = await _message(platform, account_id, NUMBER, "Welcome back", 0)
    assert await _run(platform, capsys) == 5

    async def recorded_later() -> bool:
        return later in await _recipients(platform, [later])

    assert await eventually(recorded_later)
    rows = await _recipients(platform, [*mine, later])
    assert [rows[message_id] for message_id in mine] == [None, None]
    assert rows[later] is not None

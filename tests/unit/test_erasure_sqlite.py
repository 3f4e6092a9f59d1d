"""shared.erasure on SQLite (the devstack's database): the outbox loses the number and the
texts beside it, deleted rows are overwritten (secure_delete), the WAL is checkpointed
outside the transaction shared.db begins, and only then is the completion published."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dispatch_service.db import Base, ErasedNumber, Outbox
from shared import erasure
from shared.db import create_engine, create_sessionmaker
from shared.events import MessageAccepted, PrivacyErasureCompleted, parse_event, utcnow
from shared.outbox import add_event

NUMBER = "+447700900123"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'dispatch.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


async def test_an_erasure_scrubs_the_outbox_checkpoints_and_then_completes(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    sessionmaker = create_sessionmaker(engine)
    account_id, erasure_id = uuid4(), uuid4()
    accepted = MessageAccepted(
        account_id=account_id, message_id=uuid4(), to=NUMBER, sender="Acme", encoding="gsm7",
        segments=1,
    )  # fmt: skip
    async with sessionmaker() as session, session.begin():
        add_event(session, Outbox, accepted)
    async with sessionmaker() as session, session.begin():
        assert await erasure.scrub_outbox(session, Outbox, NUMBER) == 1
        session.add(
            ErasedNumber(
                erasure_id=erasure_id,
                account_id=account_id,
                number_digest=erasure.digest(account_id, NUMBER),
                rows=1,
                erased_at=utcnow(),
            )
        )

    completed = await erasure.complete_pending(
        sessionmaker, engine, ErasedNumber, Outbox, "dispatch", ["outbox"]
    )

    assert completed == 1
    async with sessionmaker() as session:
        payloads = [parse_event(row) for row in await session.scalars(select(Outbox.payload))]
        marker = await session.get(ErasedNumber, erasure_id)
    scrubbed, report = payloads
    assert isinstance(scrubbed, MessageAccepted)
    assert scrubbed.to == erasure.REDACTED_NUMBER
    assert isinstance(report, PrivacyErasureCompleted)
    assert (report.erasure_id, report.service, report.rows) == (erasure_id, "dispatch", 1)
    assert marker is not None
    assert marker.completed_at is not None
    # Nothing is left to complete: a second pass publishes nothing more.
    assert (
        await erasure.complete_pending(
            sessionmaker, engine, ErasedNumber, Outbox, "dispatch", ["outbox"]
        )
        == 0
    )
    for path in tmp_path.iterdir():
        assert NUMBER.encode() not in path.read_bytes(), path


async def test_an_event_from_before_an_erasure_is_dropped_and_a_later_one_kept(
    engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(engine)
    account_id = uuid4()
    before = MessageAccepted(
        account_id=account_id, message_id=uuid4(), to=NUMBER, sender="Acme", encoding="gsm7",
        segments=1,
    )  # fmt: skip
    async with sessionmaker() as session, session.begin():
        session.add(
            ErasedNumber(
                erasure_id=uuid4(),
                account_id=account_id,
                number_digest=erasure.digest(account_id, NUMBER),
                rows=0,
                erased_at=utcnow(),
            )
        )
    after = before.model_copy(update={"event_id": uuid4(), "occurred_at": utcnow()})
    elsewhere = before.model_copy(update={"event_id": uuid4(), "account_id": uuid4()})

    async with sessionmaker() as session:
        kept = await erasure.not_erased(
            session, ErasedNumber, [before, after, elsewhere], lambda event: event.to
        )

    assert kept == [after, elsewhere]

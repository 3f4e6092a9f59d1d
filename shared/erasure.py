"""What every service holding recipients' data does to erase one number (R17, issue 11
item 5): a marker that outlives the data, so that an event about the number published before
the erasure and handled after it (a replay, a retry, an outbox still sending) does not bring
it back; the scrubbing of the service's own outbox; and, once the erasure is committed, the
vacuum that removes the old row versions from the database files, after which the service
answers `privacy.erasure_completed`."""

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import String, Text, Uuid, cast, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UtcDateTime
from shared.events import ErasingService, Event, PrivacyErasureCompleted, utcnow
from shared.outbox import OutboxMixin, add_event

log = logging.getLogger(__name__)

REDACTED_NUMBER = "redacted"
_E = TypeVar("_E", bound=Event)
REDACTED_TEXT = "[redacted]"
ERASURE_REQUESTED = "privacy.erasure_requested"


def digest(account_id: UUID, phone: str) -> str:
    """The marker's key: the number is not kept, only this (per account)."""
    return hashlib.sha256(f"{account_id}:{phone}".encode()).hexdigest()


class ErasedNumberMixin:
    """Mix into a service's Base as table `erased_numbers`: one row per erasure."""

    __tablename__ = "erased_numbers"

    erasure_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    number_digest: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int]
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once the tables were vacuumed and the completion published.
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


async def erased_before(
    session: AsyncSession,
    model: type[ErasedNumberMixin],
    account_id: UUID,
    phone: str,
    occurred_at: datetime,
) -> bool:
    """Whether the number was erased after `occurred_at`: an event that old is not to be
    applied (a new one, from after the erasure, is new data and is)."""
    found = await session.scalar(
        select(model.erasure_id)
        .where(
            model.number_digest == digest(account_id, phone),
            model.account_id == account_id,
            model.erased_at >= occurred_at,
        )
        .limit(1)
    )
    return found is not None


async def erased_since(
    session: AsyncSession, model: type[ErasedNumberMixin], account_id: UUID, occurred_at: datetime
) -> set[str]:
    """Digests of the account's numbers erased after `occurred_at`: for an event naming
    many numbers (a campaign's audience chunk), one query instead of one per number."""
    rows = await session.scalars(
        select(model.number_digest).where(
            model.account_id == account_id, model.erased_at >= occurred_at
        )
    )
    return set(rows.all())


def _redact(value: Any, phone: str) -> Any:
    if isinstance(value, dict):
        if any(isinstance(item, str) and phone in item for item in value.values()):
            # The person's other values beside the number (a campaign recipient's name).
            value = {**value, **({"fields": {}} if "fields" in value else {})}
        return {
            key: REDACTED_TEXT if key == "text" and isinstance(item, str) else _redact(item, phone)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact(item, phone) for item in value]
    if isinstance(value, str) and phone in value:
        return value.replace(phone, REDACTED_NUMBER)
    return value


async def scrub_outbox(session: AsyncSession, outbox_model: type[OutboxMixin], phone: str) -> int:
    """Redacts the number (and the texts beside it) in the outbox rows that carry it: rows
    not yet published (or refused by the broker), which then go out without it."""
    table: Any = outbox_model.__table__  # type: ignore[attr-defined]
    pattern = f"%{phone}%"
    rows = (
        await session.execute(
            select(table.c.seq, table.c.payload, table.c.aggregateid).where(
                cast(table.c.payload, Text).like(pattern) | table.c.aggregateid.like(pattern),
                # Another erasure of the number, not yet sent, needs it to do its work (the
                # relay deletes it once sent).
                table.c.type != ERASURE_REQUESTED,
            )
        )
    ).all()
    for seq, payload, aggregate_id in rows:
        scrubbed = json.dumps(_redact(json.loads(payload), phone))
        await session.execute(
            table.update()
            .where(table.c.seq == seq)
            .values(payload=scrubbed, aggregateid=aggregate_id.replace(phone, REDACTED_NUMBER))
        )
    return len(rows)


def redact_json(value: Any, phone: str) -> Any:
    return _redact(value, phone)


async def _vacuum(engine: AsyncEngine, tables: Sequence[str]) -> None:
    """Old row versions out of the files: PostgreSQL's VACUUM (outside any transaction);
    SQLite deletes with secure_delete on (shared.db), so what is left is the WAL."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in tables:
                await autocommit.execute(text(f'VACUUM "{table}"'))
        else:
            # On the driver's connection: through SQLAlchemy it would run inside the
            # transaction shared.db begins (BEGIN IMMEDIATE), where SQLite refuses it.
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def complete_pending(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    model: type[ErasedNumberMixin],
    outbox_model: type[OutboxMixin],
    service: ErasingService,
    tables: Sequence[str],
) -> int:
    """Vacuums after committed erasures and publishes their completion; returns how many."""
    async with sessionmaker() as session:
        pending = list(
            (
                await session.execute(
                    select(model.erasure_id, model.account_id, model.rows).where(
                        model.completed_at.is_(None)
                    )
                )
            ).all()
        )
    if not pending:
        return 0
    await _vacuum(engine, tables)
    async with sessionmaker() as session, session.begin():
        for erasure_id, account_id, rows in pending:
            marker = await session.get(model, erasure_id)
            if marker is None or marker.completed_at is not None:
                continue  # another replica finished it meanwhile
            marker.completed_at = utcnow()
            add_event(
                session,
                outbox_model,
                PrivacyErasureCompleted(
                    account_id=account_id, erasure_id=erasure_id, service=service, rows=rows
                ),
            )
    log.info("%s: %d erasures vacuumed and completed", service, len(pending))
    return len(pending)


async def not_erased(
    session: AsyncSession,
    model: type[ErasedNumberMixin],
    events: Sequence[_E],
    number_of: Callable[[_E], str | None],
) -> list[_E]:
    """The events to apply: those whose number was not erased after they happened (a replay
    of an event from before an erasure would put the number back).

    One indexed query for the whole batch (its numbers' erasures, almost always none), not
    one per event: dlr runs this on every accepted message."""
    digests: dict[int, str] = {}
    for position, event in enumerate(events):
        number = number_of(event)
        if number is not None and event.account_id is not None:
            digests[position] = digest(event.account_id, number)
    if not digests:
        return list(events)
    oldest = min(events[position].occurred_at for position in digests)
    rows = await session.execute(
        select(model.number_digest, model.account_id, model.erased_at).where(
            model.number_digest.in_(set(digests.values())), model.erased_at >= oldest
        )
    )
    # (digest, account) -> the latest time that number was erased
    last_erased: dict[tuple[str, UUID], datetime] = {}
    for number_digest, account_id, erased_at in rows:
        key = (number_digest, account_id)
        last_erased[key] = max(erased_at, last_erased.get(key, erased_at))
    kept = []
    for position, event in enumerate(events):
        erasure = (
            last_erased.get((digests[position], event.account_id))
            if position in digests and event.account_id is not None
            else None
        )
        if erasure is None or erasure < event.occurred_at:
            kept.append(event)
    return kept

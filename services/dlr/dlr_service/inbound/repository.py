from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import delete, exists, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.inbound.models import InboundMessage, InboundPart, LastSend
from shared.db import is_postgres, upsert_insert


class Unowned(Enum):
    UNOWNED = "unowned"


UNOWNED = Unowned.UNOWNED


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_fingerprint(self, fingerprint: str) -> None:
        """Two copies of one MO handled at once (different partitions or replicas) must not
        both find no earlier copy. SQLite's BEGIN IMMEDIATE already serialises writers."""
        if is_postgres(self._session):
            lock_id = func.hashtextextended(f"dlr.mo:{fingerprint}", 0)
            await self._session.execute(select(func.pg_advisory_xact_lock(lock_id)))

    async def seen(self, fingerprint: str, received_from: datetime, received_to: datetime) -> bool:
        statement = select(
            exists().where(
                InboundMessage.fingerprint == fingerprint,
                InboundMessage.received_at >= received_from,
                InboundMessage.received_at <= received_to,
            )
        )
        return bool(await self._session.scalar(statement))

    async def add(self, message: InboundMessage) -> None:
        self._session.add(message)

    async def get(self, account_id: UUID | None, inbound_id: UUID) -> InboundMessage | None:
        """The account's message; with no account (operators), anyone's or nobody's."""
        statement = select(InboundMessage).where(InboundMessage.id == inbound_id)
        if account_id is not None:
            statement = statement.where(InboundMessage.account_id == account_id)
        message: InboundMessage | None = await self._session.scalar(statement)
        return message

    async def page(
        self,
        owner: "UUID | Unowned | None",
        numbers: Sequence[str],
        since: datetime | None,
        until: datetime | None,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> Sequence[InboundMessage]:
        """Messages newest first: the account's, nobody's (UNOWNED) or, for operators
        (None), everyone's; from or to any of `numbers` if given."""
        conditions: list[Any] = []
        if owner is UNOWNED:
            conditions.append(InboundMessage.account_id.is_(None))
        elif owner is not None:
            conditions.append(InboundMessage.account_id == owner)
        if numbers:
            conditions.append(
                or_(InboundMessage.from_number.in_(numbers), InboundMessage.to_number.in_(numbers))
            )
        if since is not None:
            conditions.append(InboundMessage.received_at >= since)
        if until is not None:
            conditions.append(InboundMessage.received_at < until)
        if before is not None:
            conditions.append(tuple_(InboundMessage.received_at, InboundMessage.id) < before)
        statement = (
            select(InboundMessage)
            .where(*conditions)
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
        return (await self._session.scalars(statement)).all()


# A long MO's parts are found by these: link, sender, number, reference, number of parts.
ConcatKey = tuple[str, str, str, int, int]


def _of(key: ConcatKey) -> list[Any]:
    smsc, from_number, to_number, reference, total = key
    return [
        InboundPart.smsc == smsc,
        InboundPart.from_number == from_number,
        InboundPart.to_number == to_number,
        InboundPart.reference == reference,
        InboundPart.total == total,
    ]


class PartRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, key: ConcatKey) -> None:
        """Parts of one message handled at once (the last two, say, by two replicas) must not
        each find the other missing. SQLite's BEGIN IMMEDIATE already serialises writers."""
        if is_postgres(self._session):
            lock_id = func.hashtextextended("dlr.mo-part:" + ":".join(map(str, key)), 0)
            await self._session.execute(select(func.pg_advisory_xact_lock(lock_id)))

    async def recently_assembled(
        self, key: ConcatKey, seq: int, text: str, around: tuple[datetime, datetime]
    ) -> bool:
        """A part like this one (same place, same text) went into a message shortly before."""
        statement = select(
            exists().where(
                *_of(key),
                InboundPart.seq == seq,
                InboundPart.text == text,
                InboundPart.inbound_id.is_not(None),
                InboundPart.received_at.between(*around),
            )
        )
        return bool(await self._session.scalar(statement))

    def add(self, part: InboundPart) -> None:
        self._session.add(part)

    async def waiting(self, key: ConcatKey) -> Sequence[InboundPart]:
        statement = (
            select(InboundPart)
            .where(*_of(key), InboundPart.inbound_id.is_(None))
            .order_by(InboundPart.seq, InboundPart.received_at)
        )
        return (await self._session.scalars(statement)).all()

    async def delete_of(self, inbound_id: UUID) -> None:
        """The parts assembled into a message that is not kept after all."""
        await self._session.execute(delete(InboundPart).where(InboundPart.inbound_id == inbound_id))

    async def assembled(self, part_ids: Sequence[UUID], inbound_id: UUID) -> None:
        await self._session.execute(
            update(InboundPart).where(InboundPart.id.in_(part_ids)).values(inbound_id=inbound_id)
        )

    async def stale(self, stored_before: datetime, limit: int) -> list[ConcatKey]:
        """Messages still waiting for parts whose first part came before the cut-off."""
        columns = (
            InboundPart.smsc,
            InboundPart.from_number,
            InboundPart.to_number,
            InboundPart.reference,
            InboundPart.total,
        )
        statement = (
            select(*columns)
            .where(InboundPart.inbound_id.is_(None))
            .group_by(*columns)
            .having(func.min(InboundPart.stored_at) < stored_before)
            .limit(limit)
        )
        return [tuple(row) for row in (await self._session.execute(statement)).all()]  # type: ignore[misc]

    async def prune(self, stored_before: datetime) -> None:
        """Parts of assembled messages, once a copy of them would no longer be a redelivery."""
        await self._session.execute(
            delete(InboundPart).where(
                InboundPart.inbound_id.is_not(None), InboundPart.stored_at < stored_before
            )
        )


class LastSendRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, rows: Sequence[LastSend]) -> None:
        """Upsert, newest wins: events may come out of order across partitions."""
        if not rows:
            return
        table: Any = LastSend.__table__
        insert = upsert_insert(self._session, table)
        statement = insert.on_conflict_do_update(
            index_elements=["sender", "recipient"],
            set_={
                "account_id": insert.excluded.account_id,
                "last_sent_at": insert.excluded.last_sent_at,
            },
            where=table.c.last_sent_at < insert.excluded.last_sent_at,
        )
        await self._session.execute(
            statement,
            [
                {
                    "sender": row.sender,
                    "recipient": row.recipient,
                    "account_id": row.account_id,
                    "last_sent_at": row.last_sent_at,
                }
                for row in rows
            ],
        )

    async def last_sender(self, sender: str, recipient: str, since: datetime) -> UUID | None:
        statement = select(LastSend.account_id).where(
            LastSend.sender == sender,
            LastSend.recipient == recipient,
            LastSend.last_sent_at >= since,
        )
        account_id: UUID | None = await self._session.scalar(statement)
        return account_id

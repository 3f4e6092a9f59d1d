"""All of dispatch's SQL about messages, for the API, the inbox handlers and the SMPP worker."""

import secrets
from collections.abc import Collection, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    false,
    insert,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from dispatch_service.history import repository as history
from dispatch_service.messages.models import ConcatReference, Message, MessagePart
from dispatch_service.messages.status import MessageStatus
from dispatch_service.sms.encoding import Encoding
from dispatch_service.sms.udh import MAX_CONCAT_REFERENCE
from dispatch_service.smsc.routing import DeadRange
from shared.db import upsert_insert
from shared.events import utcnow


class PartNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class PartToSend:
    """Everything the SMPP worker needs to submit one part, without touching the ORM."""

    message_id: UUID
    part_index: int  # 1-based: the UDH sequence number
    account_id: UUID
    to_number: str  # E.164
    sender: str
    encoding: Encoding
    concat_reference: int  # UDH reference, shared by every part of the message
    segments: int  # total parts: the UDH part count
    text: str  # this part's text only
    validity_period: int | None  # seconds, or the SMSC's default
    # The link its latest attempt went to, while that attempt is unanswered: the part may be
    # at that SMSC already, so it goes again only there (never over another link).
    pinned_smsc: str | None = None


def _with_parts() -> Select[Message]:
    return select(Message).options(selectinload(Message.parts))


def _snapshot_with_parts() -> Select[Message]:
    # One statement, so one snapshot: with a second SELECT for the parts, a receipt
    # committed in between showed a message "sent" whose parts were all "delivered".
    return select(Message).options(joinedload(Message.parts))


async def get_by_idempotency_key(
    session: AsyncSession, account_id: UUID, key: str
) -> Message | None:
    statement = _snapshot_with_parts().where(
        Message.account_id == account_id, Message.idempotency_key == key
    )
    message: Message | None = (await session.scalars(statement)).unique().one_or_none()
    return message


async def get_for_account(
    session: AsyncSession, account_id: UUID, message_id: UUID
) -> Message | None:
    """The message with its parts and every part's history, in one statement: one
    snapshot, so the history never shows a status the part doesn't have yet."""
    statement = (
        select(Message)
        .options(joinedload(Message.parts).joinedload(MessagePart.history))
        .where(Message.id == message_id, Message.account_id == account_id)
    )
    message: Message | None = (await session.scalars(statement)).unique().one_or_none()
    return message


@dataclass(frozen=True, slots=True)
class MessageFilters:
    status: MessageStatus | None = None
    to_number: str | None = None  # E.164
    sender: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    batch_id: UUID | None = None


async def list_for_account(
    session: AsyncSession,
    account_id: UUID,
    filters: MessageFilters,
    limit: int,
    after: tuple[datetime, UUID] | None = None,
) -> Sequence[Message]:
    """Up to `limit` of the account's messages matching `filters`, newest first (a batch's
    in request order), from just past the message at `after` (a page's last (created_at,
    id)): keyset pages, so messages arriving meanwhile neither repeat nor skip any."""
    statement = _snapshot_with_parts().where(Message.account_id == account_id).limit(limit)
    if filters.batch_id is None:
        statement = statement.order_by(Message.created_at.desc(), Message.id.desc())
        if after is not None:
            statement = statement.where(tuple_(Message.created_at, Message.id) < tuple_(*after))
    else:
        # A batch's messages were created at one instant: request order is the useful one,
        # and the page's last message says where it is in it.
        statement = statement.where(Message.batch_id == filters.batch_id).order_by(
            Message.batch_index
        )
        if after is not None:
            last = select(Message.batch_index).where(
                Message.id == after[1],
                Message.account_id == account_id,
                Message.batch_id == filters.batch_id,
            )
            statement = statement.where(Message.batch_index > last.scalar_subquery())
    if filters.status is not None:
        statement = statement.where(Message.status == filters.status)
    if filters.to_number is not None:
        statement = statement.where(Message.to_number == filters.to_number)
    if filters.sender is not None:
        statement = statement.where(Message.sender == filters.sender)
    if filters.created_from is not None:
        statement = statement.where(Message.created_at >= filters.created_from)
    if filters.created_to is not None:
        statement = statement.where(Message.created_at < filters.created_to)
    return (await session.scalars(statement)).unique().all()


async def insert_new(session: AsyncSession, message: Message) -> bool:
    """Write a new message and its parts in two statements, past the ORM's unit of work
    (most of intake's CPU); False, with nothing written, if its idempotency key is taken.

    The message stays transient: it is the caller's record of what was written.
    """
    table = Message.__table__
    statement = upsert_insert(session, table).values(
        {column.key: getattr(message, column.key) for column in table.columns}
    )
    if message.idempotency_key is not None:
        # On PostgreSQL a concurrent request with the same key makes this wait for it,
        # then do nothing if it committed: the caller reads the winner.
        statement = statement.on_conflict_do_nothing(
            index_elements=["account_id", "idempotency_key"]
        )
    if (await session.execute(statement.returning(table.c.id))).first() is None:
        return False
    parts = [
        {"message_id": message.id, "part_index": p.part_index, "text": p.text, "status": p.status}
        for p in message.parts
    ]
    await session.execute(insert(cast(Table, MessagePart.__table__)), parts)
    await history.add(session, new_part_events(message))
    return True


def new_part_events(message: Message) -> list[dict[str, Any]]:
    """The first history row of each part of a message being written."""
    return [
        {
            "message_id": message.id,
            "part_index": part.part_index,
            "account_id": message.account_id,
            "status": part.status,
            "occurred_at": message.created_at,
        }
        for part in message.parts
    ]


async def set_concat_reference(session: AsyncSession, message: Message) -> None:
    """Store the reference just handed to a message written moments ago by `insert_new`;
    not a change the client could see, so `updated_at` stays as written."""
    statement = (
        update(Message)
        .where(Message.id == message.id)
        .values(concat_reference=message.concat_reference, updated_at=message.updated_at)
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)


async def next_concat_reference(session: AsyncSession, to_number: str) -> int:
    """The concatenation reference for the next long message to `to_number`: one more than
    the last, modulo 256.

    One upsert, so concurrent intakes to one number can't read the same value: on PostgreSQL
    the second waits on the row until the first commits and then counts on from its value.
    The row stays locked until the caller commits, so long messages to one number are
    accepted one at a time (other numbers are not held up).
    """
    counter = ConcatReference.__table__.c.last_reference
    statement = (
        upsert_insert(session, ConcatReference)
        # The first long message to a number starts anywhere: a fixed start would repeat
        # the references of a database restored from scratch for messages still in flight.
        .values(
            to_number=to_number,
            last_reference=secrets.randbelow(MAX_CONCAT_REFERENCE + 1),
            used_at=utcnow(),
        )
        .on_conflict_do_update(
            index_elements=[ConcatReference.to_number],
            set_={
                "last_reference": (counter + 1) % (MAX_CONCAT_REFERENCE + 1),
                "used_at": utcnow(),
            },
        )
        .returning(ConcatReference.last_reference)
    )
    reference: int = (await session.execute(statement)).scalar_one()
    return reference


async def next_concat_references(
    session: AsyncSession, counts: Mapping[str, int]
) -> dict[str, list[int]]:
    """`next_concat_reference` for many long messages at once (a batch): for each number,
    as many consecutive references as it has messages, in three statements for any size.

    Rows are created, then locked in number order, so two batches sharing numbers wait for
    each other instead of deadlocking; a single intake holds one row and never waits on
    another, so it can't close a cycle either.
    """
    if not counts:
        return {}
    numbers = sorted(counts)
    modulus = MAX_CONCAT_REFERENCE + 1
    # A new number starts anywhere, as in next_concat_reference; stored one before the first
    # reference handed out, since the step below counts on from the stored value.
    created = (
        upsert_insert(session, ConcatReference)
        .values(
            [
                {
                    "to_number": n,
                    "last_reference": (secrets.randbelow(modulus) - 1) % modulus,
                    "used_at": utcnow(),
                }
                for n in numbers
            ]
        )
        .on_conflict_do_nothing(index_elements=[ConcatReference.to_number])
    )
    await session.execute(created)
    locked = (
        select(ConcatReference.to_number, ConcatReference.last_reference)
        .where(ConcatReference.to_number.in_(numbers))
        .order_by(ConcatReference.to_number)
        .with_for_update()
    )
    last: dict[str, int] = dict((await session.execute(locked)).all())
    references = {
        n: [(last[n] + step) % modulus for step in range(1, counts[n] + 1)] for n in numbers
    }
    await session.execute(
        update(ConcatReference),
        [
            {"to_number": n, "last_reference": references[n][-1], "used_at": utcnow()}
            for n in numbers
        ],
    )
    return references


async def lock(session: AsyncSession, message_id: UUID) -> Message | None:
    """The message and its parts, current and locked until the transaction ends.

    Everything that changes a part and recomputes the message from all its parts locks the
    message first; otherwise two parts reported at once could each see the other's old
    status and leave the message "sent" with every part delivered.
    """
    statement = (
        _with_parts()
        .where(Message.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    message: Message | None = await session.scalar(statement)
    return message


async def claim_queued_parts(
    session: AsyncSession,
    limit: int,
    exclude: Set[tuple[UUID, int]] = frozenset(),
    skip: Sequence[DeadRange] = (),
    links: Collection[str] = (),
) -> list[PartToSend]:
    """Queued parts to submit, oldest message first, parts in order.

    `exclude` holds the parts the caller already has in flight. `skip`: destinations
    whose route has no usable link now, left queued so that the oldest `limit` parts are
    ones that can go; except parts pinned to one of `links` (the caller takes them to that
    link whatever their route). On PostgreSQL the rows stay locked until the caller's
    transaction ends and other workers skip them.
    """
    statement = (
        select(
            MessagePart.message_id,
            MessagePart.part_index,
            Message.account_id,
            Message.to_number,
            Message.sender,
            Message.encoding,
            Message.concat_reference,
            Message.segments,
            MessagePart.text,
            Message.validity_period,
            case(
                (MessagePart.attempts > MessagePart.answered_attempts, MessagePart.attempt_smsc),
                else_=None,
            ).label("pinned_smsc"),
        )
        .join(Message, Message.id == MessagePart.message_id)
        # A literal, not a bound parameter: PostgreSQL only uses the partial index when it
        # can prove the predicate, which a generic prepared plan with $1 can't.
        .where(MessagePart.status == literal_column("'queued'"))
        .order_by(Message.queued_at, MessagePart.message_id, MessagePart.part_index)
        .limit(limit)
        .with_for_update(of=MessagePart, skip_locked=True)
    )
    if exclude:
        in_flight = tuple_(MessagePart.message_id, MessagePart.part_index)
        statement = statement.where(in_flight.not_in(list(exclude)))
    if skip:
        pinned = and_(
            MessagePart.attempts > MessagePart.answered_attempts,
            MessagePart.attempt_smsc.in_(list(links)) if links else false(),
        )
        statement = statement.where(or_(not_(_in_ranges(skip)), pinned))
    rows = (await session.execute(statement)).all()
    return [PartToSend(**row._asdict()) for row in rows]


def _in_ranges(ranges: Sequence[DeadRange]) -> ColumnElement[bool]:
    # Numbers are "+" and digits, so a prefix holds no LIKE wildcard.
    def starts(prefix: str) -> ColumnElement[bool]:
        return Message.to_number.like(f"{prefix}%")

    return or_(
        *(
            and_(starts(r.prefix), not_(or_(*map(starts, r.unless))))
            if r.unless
            else starts(r.prefix)
            for r in ranges
        )
    )


async def lock_many(session: AsyncSession, message_ids: Collection[UUID]) -> dict[UUID, Message]:
    """Several messages with their parts, locked like `lock`, in one query. Locks are taken
    in id order, so two transactions locking overlapping sets can't deadlock."""
    statement = (
        _with_parts()
        .where(Message.id.in_(sorted(message_ids)))
        .order_by(Message.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {message.id: message for message in (await session.scalars(statement)).all()}


async def mark_part_sent(
    session: AsyncSession,
    message_id: UUID,
    part_index: int,
    smsc_message_id: str,
    at: datetime,
    smsc: str | None = None,
) -> bool:
    """The SMSC (of link `smsc`) accepted the part. True if its status moved (False for a
    late or repeated call, which still fills in a missing smsc_message_id). Emits no event."""
    message = await _locked_with_part(session, message_id, part_index)
    return message.record_part(part_index, "sent", at, smsc_message_id=smsc_message_id, smsc=smsc)


async def mark_part_failed(
    session: AsyncSession,
    message_id: UUID,
    part_index: int,
    error_code: str,
    reason: str,
    at: datetime,
) -> bool:
    """The part can't be sent (e.g. the SMSC refused the submit for good). True if its
    status moved."""
    message = await _locked_with_part(session, message_id, part_index)
    return message.record_part(part_index, "failed", at, error_code=error_code, reason=reason)


async def _locked_with_part(session: AsyncSession, message_id: UUID, part_index: int) -> Message:
    message = (await lock_many(session, [message_id])).get(message_id)
    if message is None or not any(part.part_index == part_index for part in message.parts):
        raise PartNotFound(f"message {message_id} part {part_index}")
    return message


async def record_submit_attempts(
    session: AsyncSession, keys: Collection[tuple[UUID, int]], smsc: str | None = None
) -> None:
    """The connector is about to submit these parts (over link `smsc`): count the attempt
    before it goes on the wire, so even a crash right after sending leaves a record. A part
    whose earlier attempt got no answer counts as resent after an unanswered submit."""
    if not keys:
        return
    link = {} if smsc is None else {"attempt_smsc": smsc}
    # The right-hand sides see the row as it was, before this update.
    statement = (
        update(MessagePart)
        .where(tuple_(MessagePart.message_id, MessagePart.part_index).in_(list(keys)))
        .values(
            attempts=MessagePart.attempts + 1,
            resent_unanswered=MessagePart.resent_unanswered
            + case((MessagePart.attempts > MessagePart.answered_attempts, 1), else_=0),
            **link,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)


async def forget_submit_attempts(session: AsyncSession, keys: Collection[tuple[UUID, int]]) -> None:
    """Undo `record_submit_attempts` for parts that were never sent after all."""
    if not keys:
        return
    statement = (
        update(MessagePart)
        .where(
            tuple_(MessagePart.message_id, MessagePart.part_index).in_(list(keys)),
            MessagePart.attempts > 0,
        )
        .values(
            attempts=MessagePart.attempts - 1,
            resent_unanswered=MessagePart.resent_unanswered
            - case((MessagePart.attempts - 1 > MessagePart.answered_attempts, 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)

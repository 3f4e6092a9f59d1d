"""The connector's bookkeeping of submit responses, set-based.

It runs on the event loop that writes `submit_sm`: while it runs, answers wait and the
window stays full. So the common answer, "accepted", is applied with a handful of Core
statements for a whole batch instead of loading every message and its parts into the ORM;
the rare permanent refusal still goes through the state machine on the ORM objects.

Exactly what `Message.record_part(part, "sent", ...)` does, in SQL: the SMSC's id and the
submit time are filled in if missing; a queued part becomes sent (anything later stays as
it is, a receipt may have overtaken the response); a message with a part that moved gets
`updated_at`, a `sent_at` if it had none, and becomes sent if it was queued; a part that
moved gets its history row.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

from sqlalchemy import Table, bindparam, case, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.history import repository as history
from dispatch_service.messages.models import Message, MessagePart

PartKey = tuple[UUID, int]
_PARTS = cast(Table, MessagePart.__table__)


@dataclass(frozen=True, slots=True)
class Accepted:
    message_id: UUID
    part_index: int
    account_id: UUID
    smsc_message_id: str


async def lock_messages(session: AsyncSession, message_ids: Collection[UUID]) -> set[UUID]:
    """Lock the messages (in id order, as every part-changer does) without loading them;
    returns those that exist."""
    statement = (
        select(Message.id).where(Message.id.in_(sorted(message_ids))).order_by(Message.id)
    ).with_for_update()
    return set((await session.scalars(statement)).all())


async def count_answers(session: AsyncSession, keys: Collection[PartKey]) -> None:
    """The SMSC answered these parts' submits (whatever it said)."""
    if not keys:
        return
    statement = (
        update(_PARTS)
        .where(tuple_(_PARTS.c.message_id, _PARTS.c.part_index).in_(sorted(keys)))
        .values(answered_attempts=_PARTS.c.answered_attempts + 1)
    )
    await session.execute(statement)


async def mark_sent(
    session: AsyncSession, accepted: Sequence[Accepted], at: datetime, smsc: str
) -> None:
    """The SMSC behind link `smsc` accepted these parts; the caller holds their messages'
    locks."""
    if not accepted:
        return
    keys = sorted({(a.message_id, a.part_index) for a in accepted})
    current = select(_PARTS.c.message_id, _PARTS.c.part_index, _PARTS.c.status).where(
        tuple_(_PARTS.c.message_id, _PARTS.c.part_index).in_(keys)
    )
    statuses = {(m, p): s for m, p, s in (await session.execute(current)).all()}
    part = (
        update(_PARTS)
        .where(
            _PARTS.c.message_id == bindparam("b_message_id"),
            _PARTS.c.part_index == bindparam("b_part_index"),
            # Never authorised, so never handed to the SMSC: record_part leaves it alone.
            _PARTS.c.status != "pending",
        )
        .values(
            smsc_message_id=func.coalesce(_PARTS.c.smsc_message_id, bindparam("b_smsc_id")),
            submitted_at=func.coalesce(_PARTS.c.submitted_at, bindparam("b_at")),
            smsc=func.coalesce(_PARTS.c.smsc, bindparam("b_smsc")),
            status=case((_PARTS.c.status == "queued", "sent"), else_=_PARTS.c.status),
        )
    )
    await session.execute(
        part,
        [
            {
                "b_message_id": a.message_id,
                "b_part_index": a.part_index,
                "b_smsc_id": a.smsc_message_id,
                "b_at": at,
                "b_smsc": smsc,
            }
            for a in accepted
        ],
    )
    moved_parts = [a for a in accepted if statuses.get((a.message_id, a.part_index)) == "queued"]
    await history.add(
        session,
        [
            {
                "message_id": a.message_id,
                "part_index": a.part_index,
                "account_id": a.account_id,
                "status": "sent",
                "smsc": smsc,
                "smsc_message_id": a.smsc_message_id,
                "occurred_at": at,
            }
            # Once per part, should the SMSC have answered one part twice in the batch.
            for a in {(a.message_id, a.part_index): a for a in moved_parts}.values()
        ],
    )
    moved = sorted({a.message_id for a in moved_parts})
    if not moved:
        return
    message = (
        update(Message)
        .where(Message.id.in_(moved))
        .values(
            status=case((Message.status == "queued", "sent"), else_=Message.status),
            sent_at=func.coalesce(Message.sent_at, at),
            updated_at=at,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(message)

"""The operators' side of sender names: the queue, and approve, reject or revoke."""

from collections.abc import Sequence
from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.db import Outbox
from dispatch_service.senders import repository
from dispatch_service.senders.models import SenderNameRow
from dispatch_service.senders.problems import InvalidSenderTransition, SenderNameTaken
from dispatch_service.senders.service import record
from shared.errors import NotFound
from shared.events import SenderNameDecided, utcnow
from shared.outbox import add_event
from shared.security import Principal


async def queue(
    session: AsyncSession, state: str | None, limit: int, offset: int
) -> Sequence[SenderNameRow]:
    return await repository.list_by_state(session, state, limit, offset)


async def approve(session: AsyncSession, operator: Principal, sender_id: UUID) -> SenderNameRow:
    row = await _pending(session, sender_id, "approved")
    # One name, one company, checked again: another account's request for the same name
    # may have been approved since this one was made.
    holder = await repository.approved_holder(session, row.name_key)
    if holder is not None and holder != row.account_id:
        raise SenderNameTaken()
    approved = await repository.approve(
        session, row.id, reason=None, decided_by=operator.subject, updated_at=utcnow()
    )
    if approved is None:
        raise SenderNameTaken()
    if not approved:
        await session.refresh(row)
        raise InvalidSenderTransition(row.state, "approved")
    await session.refresh(row)
    record(session, operator, row, "sender_name.approved")
    _announce(session, row, "approved")
    return row


async def reject(
    session: AsyncSession, operator: Principal, sender_id: UUID, reason: str
) -> SenderNameRow:
    row = await _pending(session, sender_id, "rejected")
    await _decide(session, operator, row, ("pending",), "rejected", reason)
    record(session, operator, row, "sender_name.rejected")
    _announce(session, row, "rejected", reason)
    return row


async def revoke(
    session: AsyncSession, operator: Principal, sender_id: UUID, reason: str
) -> SenderNameRow:
    row = await _found(session, sender_id)
    if row.state != repository.APPROVED:
        raise InvalidSenderTransition(row.state, "revoked")
    await _decide(session, operator, row, (repository.APPROVED,), "revoked", reason)
    await repository.clear_default(session, row.id)
    record(session, operator, row, "sender_name.revoked")
    return row


def _announce(
    session: AsyncSession,
    row: SenderNameRow,
    decision: Literal["approved", "rejected"],
    reason: str | None = None,
) -> None:
    """Tells the account (auth's notifications mail it), in the decision's transaction."""
    add_event(
        session,
        Outbox,
        SenderNameDecided(
            account_id=row.account_id,
            sender_id=row.id,
            name=row.name,
            decision=decision,
            reason=reason,
        ),
    )


async def _found(session: AsyncSession, sender_id: UUID) -> SenderNameRow:
    row = await repository.get(session, sender_id)
    if row is None:
        raise NotFound("Sender name")
    return row


async def _pending(session: AsyncSession, sender_id: UUID, action: str) -> SenderNameRow:
    row = await _found(session, sender_id)
    if row.state != "pending":
        raise InvalidSenderTransition(row.state, action)
    return row


async def _decide(
    session: AsyncSession,
    operator: Principal,
    row: SenderNameRow,
    from_states: tuple[str, ...],
    state: str,
    reason: str,
) -> None:
    moved = await repository.move(
        session,
        row.id,
        from_states,
        state=state,
        reason=reason,
        decided_by=operator.subject,
        updated_at=utcnow(),
    )
    await session.refresh(row)
    if not moved:
        # Another operator's decision on the same name came first.
        raise InvalidSenderTransition(row.state, state)

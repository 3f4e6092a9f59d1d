"""The retention job's SQL: a batch of at most `limit` rows each, in the caller's
transaction. Two replicas on the same batch do the same thing twice: a delete or a blanking
finds nothing the second time."""

from datetime import datetime

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.messages.models import AcceptedMessage
from billing_service.terminations.models import RefundRequest

DECIDED_STATES = ("paid", "rejected", "withdrawn")


async def delete_accepted_messages(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Accepted messages heard of before `cutoff`: the reconciliation looks back less."""
    chosen = (
        select(AcceptedMessage.message_id)
        .where(AcceptedMessage.accepted_at < cutoff)
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.execute(
        delete(AcceptedMessage)
        .where(AcceptedMessage.message_id.in_(chosen))
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount


async def blank_refund_details(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """The bank details of refund requests decided (paid, rejected, withdrawn) before
    `cutoff`; the request itself, its amount and dates stay."""
    chosen = (
        select(RefundRequest.id)
        .where(
            RefundRequest.state.in_(DECIDED_STATES),
            RefundRequest.decided_at < cutoff,
            or_(
                RefundRequest.holder.is_not(None),
                RefundRequest.iban.is_not(None),
                RefundRequest.bic.is_not(None),
            ),
        )
        .limit(limit)
        .scalar_subquery()
    )
    result = await session.execute(
        update(RefundRequest)
        .where(RefundRequest.id.in_(chosen))
        .values(holder=None, iban=None, bic=None)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount

"""The SQL of refund requests."""

from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.terminations.models import OPEN_STATES, RefundRequest
from shared.db import upsert_insert


async def open_of(session: AsyncSession, account_id: UUID) -> RefundRequest | None:
    """The account's open request (awaiting details or requested), locked: at most one,
    since a closed account closes again only after reopening, which withdraws it."""
    statement = (
        select(RefundRequest)
        .where(RefundRequest.account_id == account_id, RefundRequest.state.in_(OPEN_STATES))
        .order_by(RefundRequest.closed_at.desc())
        .limit(1)
        .with_for_update()
    )
    return (await session.scalars(statement)).first()


async def latest_of(session: AsyncSession, account_id: UUID) -> RefundRequest | None:
    statement = (
        select(RefundRequest)
        .where(RefundRequest.account_id == account_id)
        .order_by(RefundRequest.closed_at.desc(), RefundRequest.id.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def create(
    session: AsyncSession,
    *,
    account_id: UUID,
    close_event_id: UUID,
    amount_units: int,
    currency: str,
    closed_at: datetime,
) -> None:
    """Open the request unless this closing opened one already (a replayed event)."""
    statement = (
        upsert_insert(session, RefundRequest.__table__)
        .values(
            id=uuid4(),
            account_id=account_id,
            close_event_id=close_event_id,
            state="awaiting_details",
            amount_units=amount_units,
            currency=currency,
            closed_at=closed_at,
        )
        .on_conflict_do_nothing(index_elements=["close_event_id"])
    )
    await session.execute(statement)


async def locked(session: AsyncSession, request_id: UUID) -> RefundRequest | None:
    statement = select(RefundRequest).where(RefundRequest.id == request_id).with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def find(
    session: AsyncSession, state: str | None, account_id: UUID | None, limit: int
) -> list[RefundRequest]:
    statement = select(RefundRequest)
    if state is not None:
        statement = statement.where(RefundRequest.state == state)
    if account_id is not None:
        statement = statement.where(RefundRequest.account_id == account_id)
    statement = statement.order_by(RefundRequest.closed_at, RefundRequest.id).limit(limit)
    return list((await session.scalars(statement)).all())


async def overdue(session: AsyncSession, today: date, limit: int) -> list[RefundRequest]:
    """Requested but not paid by their due date: the oldest due first."""
    statement = (
        select(RefundRequest)
        .where(RefundRequest.state == "requested", RefundRequest.due_on < today)
        .order_by(RefundRequest.due_on, RefundRequest.id)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())

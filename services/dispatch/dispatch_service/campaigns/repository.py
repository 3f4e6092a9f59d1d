"""All of the campaigns' SQL; every query a customer's request leads to names the account."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.campaigns.models import Campaign, CampaignChunk, CampaignRecipient
from dispatch_service.messages.models import Message
from shared.db import is_postgres, upsert_insert


async def get(
    session: AsyncSession, account_id: UUID, campaign_id: UUID, for_update: bool = False
) -> Campaign | None:
    statement = select(Campaign).where(
        Campaign.account_id == account_id, Campaign.id == campaign_id
    )
    if for_update:
        statement = statement.with_for_update()
    campaign: Campaign | None = await session.scalar(statement)
    return campaign


async def page(
    session: AsyncSession, account_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> Sequence[Campaign]:
    """Newest first, by (created_at, id)."""
    statement = select(Campaign).where(Campaign.account_id == account_id)
    if after is not None:
        statement = statement.where(tuple_(Campaign.created_at, Campaign.id) < after)
    rows = await session.scalars(
        statement.order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(limit)
    )
    return rows.all()


async def add_chunk(
    session: AsyncSession, campaign_id: UUID, chunk_no: int, recipients: int, at: datetime
) -> bool:
    """Record a chunk; False if it was stored before (a redelivery)."""
    table: Any = CampaignChunk.__table__
    statement = (
        upsert_insert(session, table)
        .values(campaign_id=campaign_id, chunk_no=chunk_no, recipients=recipients, received_at=at)
        .on_conflict_do_nothing(index_elements=[table.c.campaign_id, table.c.chunk_no])
        .returning(table.c.chunk_no)
    )
    return (await session.execute(statement)).first() is not None


async def add_recipients(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(CampaignRecipient), rows)


async def due(session: AsyncSession, now: datetime, limit: int) -> list[UUID]:
    """Campaigns the releaser has work in: sending, or scheduled and past their send_at."""
    rows = await session.scalars(
        select(Campaign.id)
        .where(
            or_(
                Campaign.state == "sending",
                (Campaign.state == "scheduled") & (Campaign.send_at <= now),
            )
        )
        .order_by(Campaign.started_at)
        .limit(limit)
    )
    return list(rows.all())


async def lock_active(session: AsyncSession, campaign_id: UUID) -> Campaign | None:
    """The campaign, locked for one release round, if it is still scheduled or sending and
    no other process holds it. A pause or cancel waits for the round's commit."""
    statement = select(Campaign).where(
        Campaign.id == campaign_id, Campaign.state.in_(("scheduled", "sending"))
    )
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True)
    campaign: Campaign | None = await session.scalar(statement)
    return campaign


async def pending(
    session: AsyncSession, campaign_id: UUID, limit: int
) -> Sequence[CampaignRecipient]:
    rows = await session.scalars(
        select(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.state == "pending")
        .order_by(CampaignRecipient.chunk_no, CampaignRecipient.position)
        .limit(limit)
    )
    return rows.all()


async def settle(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Each recipient's outcome (released with its message, or refused), by primary key."""
    if rows:
        await session.execute(update(CampaignRecipient), rows)


async def recipient_states(session: AsyncSession, campaign_id: UUID) -> dict[str, int]:
    rows = await session.execute(
        select(CampaignRecipient.state, func.count())
        .where(CampaignRecipient.campaign_id == campaign_id)
        .group_by(CampaignRecipient.state)
    )
    return dict(rows.all())


async def message_statuses(
    session: AsyncSession, account_id: UUID, campaign_id: UUID
) -> dict[str, int]:
    """The campaign's messages by their current status, from dispatch's own message rows."""
    rows = await session.execute(
        select(Message.status, func.count())
        .join(CampaignRecipient, CampaignRecipient.message_id == Message.id)
        .where(CampaignRecipient.campaign_id == campaign_id, Message.account_id == account_id)
        .group_by(Message.status)
    )
    return dict(rows.all())


async def recipients_page(
    session: AsyncSession, campaign_id: UUID, after: tuple[int, int] | None, limit: int
) -> Sequence[CampaignRecipient]:
    """Every recipient in audience order, a page at a time (for the quote)."""
    statement = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)
    if after is not None:
        statement = statement.where(
            tuple_(CampaignRecipient.chunk_no, CampaignRecipient.position) > after
        )
    rows = await session.scalars(
        statement.order_by(CampaignRecipient.chunk_no, CampaignRecipient.position).limit(limit)
    )
    return rows.all()


def _audience_overdue(cutoff: datetime) -> Any:
    # A draft whose audience has not moved (no request, no chunk) since the cutoff.
    return (
        (Campaign.state == "draft")
        & Campaign.audience_complete.is_(False)
        & (func.coalesce(Campaign.audience_progress_at, Campaign.created_at) < cutoff)
    )


async def audience_overdue(session: AsyncSession, cutoff: datetime, limit: int) -> list[UUID]:
    rows = await session.scalars(
        select(Campaign.id)
        .where(_audience_overdue(cutoff))
        .order_by(Campaign.created_at)
        .limit(limit)
    )
    return list(rows.all())


async def lock_audience_overdue(
    session: AsyncSession, campaign_id: UUID, cutoff: datetime
) -> Campaign | None:
    """The campaign, locked, if its audience is still overdue (a chunk that came meanwhile
    moved it) and no other replica is dealing with it."""
    statement = select(Campaign).where(Campaign.id == campaign_id, _audience_overdue(cutoff))
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True)
    campaign: Campaign | None = await session.scalar(statement)
    return campaign


async def forget_audience(session: AsyncSession, campaign_id: UUID) -> None:
    """The chunks of an earlier request: the next request's answer replaces them whole."""
    await session.execute(
        delete(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)
    )
    await session.execute(delete(CampaignChunk).where(CampaignChunk.campaign_id == campaign_id))

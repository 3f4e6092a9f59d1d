"""The SQL of dispatch's retention: each call touches at most `limit` messages."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts.models import AccountStateRow
from dispatch_service.campaigns.models import Campaign, CampaignRecipient
from dispatch_service.messages.models import ConcatReference, Message, MessagePart
from dispatch_service.replies.models import InboundAddress
from shared.retention import REDACTED_TEXT


def _closed_before(cutoff: datetime) -> Select[UUID]:
    # Closed since before the cutoff and not reopened since: a reopened account's state row
    # says active again, so its clock stops.
    return select(AccountStateRow.account_id).where(
        AccountStateRow.state == "closed", AccountStateRow.changed_at < cutoff
    )


async def redact_texts(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Redacts the texts of up to `limit` messages (and their parts) of accounts closed
    before `cutoff`; already redacted ones are not counted again."""
    ids = list(
        await session.scalars(
            select(Message.id)
            .where(
                Message.account_id.in_(_closed_before(cutoff)),
                Message.text != REDACTED_TEXT,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return 0
    await session.execute(update(Message).where(Message.id.in_(ids)).values(text=REDACTED_TEXT))
    await session.execute(
        update(MessagePart).where(MessagePart.message_id.in_(ids)).values(text=REDACTED_TEXT)
    )
    return len(ids)


async def delete_messages(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Deletes up to `limit` messages of accounts closed before `cutoff`; their parts and
    status history go by the foreign keys' ON DELETE CASCADE."""
    ids = (
        select(Message.id)
        .where(Message.account_id.in_(_closed_before(cutoff)))
        .limit(limit)
        .scalar_subquery()
    )
    result = cast(
        CursorResult[Any], await session.execute(delete(Message).where(Message.id.in_(ids)))
    )
    return result.rowcount


async def delete_inbound_addresses(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` of the closed accounts' reply addresses (who wrote to which number):
    with their messages gone, nothing is replied to any more."""
    ids = (
        select(InboundAddress.inbound_id)
        .where(InboundAddress.account_id.in_(_closed_before(cutoff)))
        .limit(limit)
        .scalar_subquery()
    )
    result = cast(
        CursorResult[Any],
        await session.execute(delete(InboundAddress).where(InboundAddress.inbound_id.in_(ids))),
    )
    return result.rowcount


async def redact_campaigns(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Redacts the texts of up to `limit` campaigns of accounts closed before `cutoff`, and
    their recipients' personalisation values (what their messages would have said); the
    campaign's counts and its recipients' states stay until the rows go."""
    ids = list(
        await session.scalars(
            select(Campaign.id)
            .where(
                Campaign.account_id.in_(_closed_before(cutoff)),
                Campaign.text != REDACTED_TEXT,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return 0
    await session.execute(update(Campaign).where(Campaign.id.in_(ids)).values(text=REDACTED_TEXT))
    await session.execute(
        update(CampaignRecipient).where(CampaignRecipient.campaign_id.in_(ids)).values(fields={})
    )
    return len(ids)


async def delete_campaigns(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Deletes up to `limit` campaigns of accounts closed before `cutoff`; their recipients
    and audience chunks go by ON DELETE CASCADE (a campaign of 100,000 recipients is one
    statement's cascade: bounded by the campaign size limit, not by the backlog)."""
    ids = (
        select(Campaign.id)
        .where(Campaign.account_id.in_(_closed_before(cutoff)))
        .limit(limit)
        .scalar_subquery()
    )
    result = cast(
        CursorResult[Any], await session.execute(delete(Campaign).where(Campaign.id.in_(ids)))
    )
    return result.rowcount


async def delete_concat_references(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` numbers' long-message counters last used before `cutoff`."""
    numbers = (
        select(ConcatReference.to_number)
        .where(ConcatReference.used_at < cutoff)
        .limit(limit)
        .scalar_subquery()
    )
    result = cast(
        CursorResult[Any],
        await session.execute(
            delete(ConcatReference)
            .where(ConcatReference.to_number.in_(numbers))
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount

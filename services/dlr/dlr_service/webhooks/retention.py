"""Keeps the webhook tables bounded: events older than the retention go, and with them (by
their foreign keys' ON DELETE CASCADE) their deliveries and attempts. Replays reach back as
far as this; every retry has long ended by then. A send's callback_url goes after as long:
a status reported later still goes to the account's endpoints, only not to that URL."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.webhooks.models import MessageCallback, WebhookEvent


async def delete_events(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` events older than `cutoff`, with their deliveries and attempts."""
    oldest = select(WebhookEvent.id).where(WebhookEvent.occurred_at < cutoff).limit(limit)
    result = cast(
        CursorResult[Any],
        await session.execute(
            delete(WebhookEvent).where(WebhookEvent.id.in_(oldest.scalar_subquery()))
        ),
    )
    return result.rowcount


async def delete_callbacks(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` sends' callback URLs older than `cutoff`."""
    old = select(MessageCallback.message_id).where(MessageCallback.created_at < cutoff).limit(limit)
    result = cast(
        CursorResult[Any],
        await session.execute(
            delete(MessageCallback).where(MessageCallback.message_id.in_(old.scalar_subquery()))
        ),
    )
    return result.rowcount

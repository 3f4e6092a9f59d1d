"""Keeps the webhook tables bounded: events older than the retention go, and with them (by
their foreign keys' ON DELETE CASCADE) their deliveries and attempts. Replays reach back as
far as this; every retry has long ended by then. A send's callback_url goes after as long:
a status reported later still goes to the account's endpoints, only not to that URL."""

import logging
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.webhooks.models import MessageCallback, WebhookEvent
from shared.events import utcnow

log = logging.getLogger(__name__)


async def prune_events(
    sessionmaker: async_sessionmaker[AsyncSession], retention: timedelta, batch_size: int
) -> int:
    """Batch after batch, each its own short transaction; returns how many events went."""
    cutoff, total = utcnow() - retention, 0
    while True:
        oldest = select(WebhookEvent.id).where(WebhookEvent.occurred_at < cutoff).limit(batch_size)
        async with sessionmaker() as session, session.begin():
            result = cast(
                CursorResult[Any],
                await session.execute(
                    delete(WebhookEvent).where(WebhookEvent.id.in_(oldest.scalar_subquery()))
                ),
            )
        total += result.rowcount
        if result.rowcount < batch_size:
            break
    while True:
        old = (
            select(MessageCallback.message_id)
            .where(MessageCallback.created_at < cutoff)
            .limit(batch_size)
        )
        async with sessionmaker() as session, session.begin():
            result = cast(
                CursorResult[Any],
                await session.execute(
                    delete(MessageCallback).where(
                        MessageCallback.message_id.in_(old.scalar_subquery())
                    )
                ),
            )
        if result.rowcount < batch_size:
            break
    if total:
        log.info("pruned %d webhook events past their retention, with their attempts", total)
    return total

"""Billing's verdict on a whole batch, applied to all its messages in a few statements.

Runs inside the inbox consumer's transaction and never commits. Idempotent by nature too:
only messages still waiting for billing move (see repository), so a replay changes nothing.
"""

import logging
from collections import defaultdict
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.batches import repository
from shared.events import BatchChargeAuthorized, BatchChargeDeclined, utcnow

log = logging.getLogger(__name__)


async def on_batch_charge_authorized(session: AsyncSession, event: BatchChargeAuthorized) -> None:
    # Grouped by price, which follows the part count: a statement per distinct price.
    by_price: dict[str, list[UUID]] = defaultdict(list)
    for charge in event.charges:
        by_price[charge.amount].append(charge.message_id)
    now, moved = utcnow(), 0
    for price, message_ids in by_price.items():
        queued = await repository.queue(
            session, event.account_id, message_ids, price, event.currency, now
        )
        moved += len(queued)
    if moved < len(event.charges):
        log.info("batch %s: %d of %d messages queued", event.batch_id, moved, len(event.charges))


async def on_batch_charge_declined(session: AsyncSession, event: BatchChargeDeclined) -> None:
    await repository.reject(
        session, event.account_id, event.message_ids, event.code, event.reason, utcnow()
    )

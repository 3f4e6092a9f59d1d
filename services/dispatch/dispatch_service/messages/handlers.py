"""Inbox handlers: billing's verdict and dlr's receipts applied to messages.

Each runs inside the inbox consumer's transaction and never commits. Besides the inbox's
event-id dedup, they are idempotent by nature: every change goes through the forward-only
state machine, so a replayed or late event leaves the message as it is.
"""

import logging
from collections.abc import Mapping
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.batches.handlers import on_batch_charge_authorized, on_batch_charge_declined
from dispatch_service.messages import repository
from dispatch_service.messages.models import Message
from shared.events import (
    ChargeAuthorized,
    ChargeDeclined,
    ChargeEvent,
    MessagePartStatusReported,
    utcnow,
)
from shared.inbox import Handler

log = logging.getLogger(__name__)


async def _message(session: AsyncSession, message_id: UUID, account_id: UUID) -> Message | None:
    message = await repository.lock(session, message_id)
    # Topics are shared across environments and test runs; an event about a message this
    # database doesn't hold can never apply, so it is dropped rather than retried into the
    # dead-letter topic.
    if message is None or message.account_id != account_id:
        log.warning("ignoring event for unknown message %s", message_id)
        return None
    return message


async def on_charge_authorized(session: AsyncSession, event: ChargeAuthorized) -> None:
    message = await _message(session, event.message_id, event.account_id)
    if message is not None:
        message.queue(event.amount, event.currency, utcnow())


async def on_charge_declined(session: AsyncSession, event: ChargeDeclined) -> None:
    message = await _message(session, event.message_id, event.account_id)
    if message is not None:
        message.reject(event.code, event.reason, utcnow())


async def on_part_status_reported(session: AsyncSession, event: MessagePartStatusReported) -> None:
    message = await _message(session, event.message_id, event.account_id)
    if message is None:
        return
    try:
        message.record_part(
            event.part_index,
            event.status,
            event.reported_at,
            smsc_message_id=event.smsc_message_id,
            error_code=event.error_code,
            receipt=True,
        )
    except LookupError:
        log.warning("ignoring receipt for unknown part %s of %s", event.part_index, message.id)


# The consumer wiring, shared by the HTTP process and anything else that applies these events.
HANDLERS: Mapping[str, Handler] = {
    "charge.authorized": on_charge_authorized,
    "charge.declined": on_charge_declined,
    "batch.charge_authorized": on_batch_charge_authorized,
    "batch.charge_declined": on_batch_charge_declined,
    "message.part_status_reported": on_part_status_reported,
}
TOPICS: tuple[str, ...] = (MessagePartStatusReported.topic, ChargeEvent.topic)

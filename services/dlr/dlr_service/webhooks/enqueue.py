"""Queueing deliveries, called by dlr's inbox handlers in the transaction that records the
status or the inbound SMS: the event and what is owed to each endpoint commit together with
it, or not at all, so nothing is lost between the two and nothing is queued twice (the inbox
drops the redelivered Kafka record before the handler runs)."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.webhooks import callbacks
from dlr_service.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from dlr_service.webhooks.repository import EndpointRepository, EventRepository
from shared.events import InboundMessageReceived, MessagePartStatusReported, utcnow


async def prefetch_callbacks(session: AsyncSession, message_ids: Collection[UUID]) -> None:
    """Before a batch's status_reported calls: their messages' callback_urls in one query."""
    await callbacks.prefetch(session, message_ids)


async def status_reported(session: AsyncSession, report: MessagePartStatusReported) -> None:
    endpoints = await _subscribed(session, report.account_id, "message.status")
    # Also the send's own callback_url, if it had one (webhooks/callbacks.py).
    callback = await callbacks.endpoint_for(session, report.account_id, report.message_id)
    if callback is not None:
        endpoints = [*endpoints, callback]
    if not endpoints:
        return  # the common case: no sequence row written, no payload built
    sequence = await EventRepository(session).next_sequence(report.message_id)
    data = {
        "message_id": str(report.message_id),
        "part": report.part_index,
        "status": report.status,
        "error_code": report.error_code,
        "smsc_message_id": report.smsc_message_id,
        "reported_at": report.reported_at.isoformat(),
        "sequence": sequence,
    }
    await _queue(session, endpoints, report.account_id, "message.status", data, report.reported_at)


async def inbound_received(session: AsyncSession, received: InboundMessageReceived) -> None:
    # An MO nobody owns (dlr_service.inbound.ownership) has nobody to tell.
    if received.account_id is None:
        return
    data = {
        "inbound_id": str(received.inbound_id),
        "from": received.from_number,
        "to": received.to_number,
        "text": received.text,
        "received_at": received.received_at.isoformat(),
        "parts": received.parts,
        "incomplete": received.incomplete,
        "malformed": received.malformed,
        "keyword": received.keyword,
    }
    endpoints = await _subscribed(session, received.account_id, "message.inbound")
    if endpoints:
        await _queue(
            session, endpoints, received.account_id, "message.inbound", data, received.received_at
        )


async def _subscribed(
    session: AsyncSession, account_id: UUID, event_type: EventType
) -> list[WebhookEndpoint]:
    """The account's enabled endpoints for this type, read once per handler transaction: a
    batch of thousands of receipts (one account's, usually) then costs one query, not one
    each. The inbox gives every batch a session of its own, so nothing is read stale."""
    cache: dict[UUID, list[WebhookEndpoint]] = session.info.setdefault("webhook_endpoints", {})
    if account_id not in cache:
        cache[account_id] = await EndpointRepository(session, account_id).enabled()
    return [endpoint for endpoint in cache[account_id] if event_type in endpoint.events]


async def _queue(
    session: AsyncSession,
    endpoints: Sequence[WebhookEndpoint],
    account_id: UUID,
    event_type: EventType,
    data: dict[str, Any],
    occurred_at: datetime,
) -> None:
    event_id = uuid4()
    payload = {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data}
    event = WebhookEvent(
        id=event_id,
        account_id=account_id,
        type=event_type,
        payload=payload,
        occurred_at=occurred_at,
    )
    now = utcnow()
    deliveries = [
        WebhookDelivery(
            id=uuid4(),
            event_id=event_id,
            endpoint_id=endpoint.id,
            state="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    await EventRepository(session).add(event, deliveries)

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import Outbox
from dlr_service.inbound.fingerprint import fingerprint
from dlr_service.inbound.models import InboundMessage
from dlr_service.inbound.repository import InboundRepository
from dlr_service.webhooks import enqueue as webhooks
from shared.events import DeliverSmReceived, InboundMessageReceived
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def record_inbound(
    session: AsyncSession, event: DeliverSmReceived, duplicate_window: timedelta
) -> None:
    """Store an MO (deliver_sm or data_sm alike) and announce it, once per message."""
    repository = InboundRepository(session)
    mark = fingerprint(event)
    await repository.lock_fingerprint(mark)
    # Both sides of the window: copies may be handled out of order across partitions.
    if await repository.seen(
        mark, event.received_at - duplicate_window, event.received_at + duplicate_window
    ):
        log.info("dropping %s from %s: the SMSC sent it again", event.command, event.source_addr)
        return
    message = InboundMessage(
        # One inbound message per deliver_sm event: its id traces the message to the PDU.
        id=event.event_id,
        smsc=event.smsc,
        from_number=event.source_addr,
        to_number=event.destination_addr,
        text=event.text,
        fingerprint=mark,
        received_at=event.received_at,
    )
    await repository.add(message)
    # Who owns the number (and so the account) is decided downstream, not here yet.
    received = InboundMessageReceived(
        account_id=None,
        inbound_id=message.id,
        from_number=message.from_number,
        to_number=message.to_number,
        text=message.text,
        received_at=message.received_at,
    )
    add_event(session, Outbox, received)
    await webhooks.inbound_received(session, received)

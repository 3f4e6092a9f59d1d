from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import Outbox
from dlr_service.inbound.models import InboundMessage
from dlr_service.inbound.repository import InboundRepository
from shared.events import DeliverSmReceived, InboundMessageReceived
from shared.outbox import add_event


async def record_inbound(session: AsyncSession, event: DeliverSmReceived) -> None:
    message = InboundMessage(
        # One inbound message per deliver_sm event: its id traces the message to the PDU.
        id=event.event_id,
        from_number=event.source_addr,
        to_number=event.destination_addr,
        text=event.text,
        received_at=event.received_at,
    )
    await InboundRepository(session).add(message)
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

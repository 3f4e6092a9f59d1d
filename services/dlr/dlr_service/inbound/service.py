import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import Outbox
from dlr_service.inbound.fingerprint import fingerprint
from dlr_service.inbound.models import InboundMessage
from dlr_service.inbound.ownership import owner
from dlr_service.inbound.repository import InboundRepository
from dlr_service.numbers.addresses import canonical
from dlr_service.webhooks import enqueue as webhooks
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound
from shared.events import DeliverSmReceived, InboundMessageReceived
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def record_inbound(
    session: AsyncSession,
    event: DeliverSmReceived,
    duplicate_window: timedelta,
    reply_window: timedelta,
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
    from_number, to_number = canonical(event.source_addr), canonical(event.destination_addr)
    message = InboundMessage(
        # One inbound message per deliver_sm event: its id traces the message to the PDU.
        id=event.event_id,
        account_id=await owner(session, from_number, to_number, event.received_at, reply_window),
        smsc=event.smsc,
        from_number=from_number,
        to_number=to_number,
        text=event.text,
        fingerprint=mark,
        received_at=event.received_at,
    )
    await repository.add(message)
    received = InboundMessageReceived(
        account_id=message.account_id,
        inbound_id=message.id,
        from_number=message.from_number,
        to_number=message.to_number,
        text=message.text,
        received_at=message.received_at,
    )
    add_event(session, Outbox, received)
    await webhooks.inbound_received(session, received)


async def get(session: AsyncSession, account_id: UUID, inbound_id: UUID) -> InboundMessage:
    # Another account's message, or nobody's, is "not found": ids reveal nothing.
    message = await InboundRepository(session).get(account_id, inbound_id)
    if message is None:
        raise NotFound("Inbound message")
    return message


async def page(
    session: AsyncSession,
    account_id: UUID,
    number: str | None,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[InboundMessage], str | None]:
    before = decode_cursor(cursor) if cursor else None
    numbers: list[str] = []
    if number:
        # Also as an SMSC may have spelled it, for messages stored before canonical spelling.
        spelled = canonical(number)
        numbers = list(dict.fromkeys([spelled, spelled.removeprefix("+"), number.strip()]))
    rows = await InboundRepository(session).page(
        account_id, numbers, since, until, before, limit + 1
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.received_at, last.id)

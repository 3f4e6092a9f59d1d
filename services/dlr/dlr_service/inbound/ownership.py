"""Whose an MO is: the account its number is assigned to or, failing that, the account that
last messaged its sender from that number (a reply), within a few days. Otherwise nobody's:
operators may still see it, no account does."""

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.inbound.models import LastSend
from dlr_service.inbound.repository import LastSendRepository
from dlr_service.numbers.addresses import canonical
from dlr_service.numbers.repository import NumberRepository
from shared.events import BatchAccepted, MessageAccepted


async def owner(
    session: AsyncSession, from_number: str, to_number: str, at: datetime, reply_window: timedelta
) -> UUID | None:
    """`from_number` and `to_number` already canonical."""
    assigned = await NumberRepository(session).owner_of([to_number])
    if assigned is not None:
        return assigned
    return await LastSendRepository(session).last_sender(to_number, from_number, at - reply_window)


async def record_sends(
    session: AsyncSession, events: Sequence[MessageAccepted | BatchAccepted]
) -> None:
    latest: dict[tuple[str, str], LastSend] = {}
    for account_id, sender, to, at in _sends(events):
        row = LastSend(
            sender=canonical(sender)[:32],
            recipient=canonical(to)[:32],
            account_id=account_id,
            last_sent_at=at,
        )
        # One row per pair per statement: PostgreSQL refuses to update a row twice in one.
        held = latest.get((row.sender, row.recipient))
        if held is None or held.last_sent_at <= row.last_sent_at:
            latest[(row.sender, row.recipient)] = row
    await LastSendRepository(session).record(list(latest.values()))


def _sends(
    events: Sequence[MessageAccepted | BatchAccepted],
) -> Iterator[tuple[UUID, str, str, datetime]]:
    for event in events:
        if isinstance(event, MessageAccepted):
            yield event.account_id, event.sender, event.to, event.occurred_at
            continue
        for message in event.messages:
            if message.sender is not None and message.to is not None:
                yield event.account_id, message.sender, message.to, event.occurred_at

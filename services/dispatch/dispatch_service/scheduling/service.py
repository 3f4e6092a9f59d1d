from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.db import Outbox
from dispatch_service.messages import repository as messages_repository
from dispatch_service.messages.models import Message
from dispatch_service.messages.phone import parse_phone_number
from dispatch_service.messages.service import accepted_event
from dispatch_service.scheduling import repository
from shared.errors import NotFound, ProblemError
from shared.events import utcnow
from shared.outbox import add_event


class NotCancelable(ProblemError):
    def __init__(self, status: str) -> None:
        super().__init__(
            409,
            "not_cancelable",
            "Message not cancelable",
            f"Only a scheduled message can be canceled; this one is {status}",
            message_status=status,
        )


async def release_due(session: AsyncSession, now: datetime, limit: int) -> int:
    """Accept up to `limit` scheduled messages whose time has come, each with its
    `message.accepted` for billing, in the caller's transaction. Returns how many."""
    due = await repository.lock_due(session, now, limit)
    for message in due:
        if message.release(now):
            region = parse_phone_number(message.to_number).region
            add_event(session, Outbox, accepted_event(message, region))
    return len(due)


async def cancel(session: AsyncSession, account_id: UUID, message_id: UUID) -> Message:
    message = (await messages_repository.lock_many(session, [message_id])).get(message_id)
    if message is None or message.account_id != account_id:
        raise NotFound("Message")
    if not message.cancel(utcnow()):
        raise NotCancelable(message.status)
    return message

from uuid import UUID

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.messages.models import Message, MessagePart

# Accepted but not yet on the wire: waiting for billing (pending) or for the SMPP worker.
# Literals, not bound parameters, and spelt as the partial index ix_message_parts_waiting
# is: PostgreSQL only uses that index when it can prove the predicate from the query.
WAITING = text("message_parts.status IN ('pending', 'queued')")


async def backlog_by_account(session: AsyncSession) -> dict[UUID, int]:
    """Parts waiting to be sent, per account, in one grouped query."""
    rows = await session.execute(
        select(Message.account_id, func.count())
        .select_from(MessagePart)
        .join(Message, Message.id == MessagePart.message_id)
        .where(WAITING)
        .group_by(Message.account_id)
    )
    return dict(rows.all())

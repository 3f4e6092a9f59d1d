"""Sends the help text back from the inbox consumer, in its transaction: the reply and its
`message.accepted` commit with the inbound event's id, so a redelivered HELP is answered
once."""

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.help_replies import repository
from dispatch_service.messages import service as messages
from dispatch_service.messages.schemas import SendMessageRequest
from shared.errors import ProblemError
from shared.events import InboundMessageReceived

log = logging.getLogger(__name__)


async def answer_help(
    session: AsyncSession, settings: DispatchSettings, events: Sequence[InboundMessageReceived]
) -> int:
    """Reply to each help request whose account has a help text; returns how many."""
    asking = [e for e in events if e.help_requested and e.account_id is not None]
    if not asking:
        return 0
    texts = await repository.texts_of(session, {e.account_id for e in asking if e.account_id})
    answered = 0
    for event in asking:
        assert event.account_id is not None
        text = texts.get(event.account_id)
        if text is None:
            continue
        request = SendMessageRequest(
            to=event.from_number, sender=event.to_number, text=text, purpose="transactional"
        )
        try:
            # A savepoint: a reply that cannot go (a sender form the SMSC can't carry, say)
            # must not undo the rest of the consumer's batch.
            async with session.begin_nested():
                await messages.send_message(
                    session,
                    settings,
                    event.account_id,
                    request,
                    idempotency_key=f"help-reply:{event.inbound_id}",
                )
            answered += 1
        except ProblemError as exc:
            log.warning("help reply to inbound %s not sent: %s", event.inbound_id, exc.code)
    return answered

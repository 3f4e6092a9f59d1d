from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.replies.models import InboundAddress
from shared.db import upsert_insert
from shared.errors import ProblemError, problem_response_doc
from shared.events import InboundMessageReceived


class ReplyToNotFound(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "reply_to_not_found",
            "Nothing to reply to",
            "`reply_to` names no inbound SMS of this account (GET /v1/inbound lists them); "
            "nothing was accepted",
        )


REPLY_TO_NOT_FOUND_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_response_doc(422),
        "description": "`reply_to_not_found`: `reply_to` is not one of the account's inbound SMS",
    },
}


async def addressed(
    session: AsyncSession, account_id: UUID, request: SendMessageRequest
) -> SendMessageRequest:
    """`request` with `to` and `sender` of the reply it asks for; as it was without one."""
    if request.reply_to is None:
        return request
    inbound = await session.get(InboundAddress, request.reply_to)
    if inbound is None or inbound.account_id != account_id:
        raise ReplyToNotFound()
    return request.model_copy(update={"to": inbound.from_number, "sender": inbound.to_number})


async def on_inbound_received(
    session: AsyncSession, events: Sequence[InboundMessageReceived]
) -> None:
    """The inbox handler: keeps the addresses of owned inbound SMS; the operators' (no
    account) are nobody's to reply to."""
    rows = [
        {
            "inbound_id": event.inbound_id,
            "account_id": event.account_id,
            "from_number": event.from_number,
            "to_number": event.to_number,
            "received_at": event.received_at,
        }
        for event in events
        if event.account_id is not None
    ]
    if rows:
        statement = upsert_insert(session, InboundAddress.__table__).on_conflict_do_nothing()
        await session.execute(statement, rows)

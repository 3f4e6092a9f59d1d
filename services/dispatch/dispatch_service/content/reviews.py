"""Operators' review of messages held for a URL shortener: approving one sends it on its
way (`message.accepted`, in the same transaction), rejecting one ends it unsent."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.content import repository
from dispatch_service.content.models import ContentReview
from dispatch_service.db import Outbox
from dispatch_service.messages import repository as messages_repository
from dispatch_service.messages.phone import parse_phone_number
from dispatch_service.messages.service import accepted_event
from dispatch_service.messages.status import advance_message
from shared.errors import NotFound, ProblemError
from shared.events import utcnow
from shared.outbox import add_event

REJECTED_CODE = "content_rejected"


class ReviewDecided(ProblemError):
    def __init__(self, decision: str) -> None:
        super().__init__(
            409,
            "review_decided",
            "Review already decided",
            f"this message was already {decision}",
            decision=decision,
        )


async def pending(
    session: AsyncSession, account_id: UUID | None, limit: int
) -> Sequence[ContentReview]:
    return await repository.pending_reviews(session, account_id, limit)


async def decide(session: AsyncSession, message_id: UUID, approve: bool) -> None:
    review = await repository.get_review(session, message_id)
    if review is None:
        raise NotFound("Review")
    if review.decision is not None:
        raise ReviewDecided(review.decision)
    message = (await messages_repository.lock_many(session, [message_id]))[message_id]
    now = utcnow()
    if approve and message.send_at is not None and message.send_at > now:
        # Approved before its time: it waits like any scheduled message.
        assert advance_message(message.status, "scheduled") == "scheduled", message.status
        message.status, message.updated_at = "scheduled", now
    elif approve:
        assert message.release(now), message.status
        region = parse_phone_number(message.to_number).region
        add_event(session, Outbox, accepted_event(message, region))
    else:
        message.reject(REJECTED_CODE, "refused by the content policy's review", now)
    review.decided_at, review.decision = now, "approved" if approve else "rejected"

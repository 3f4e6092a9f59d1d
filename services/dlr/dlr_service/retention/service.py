"""dlr's retention job: the policy's steps for dlr."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.privacy import recipients
from dlr_service.receipts import retention as receipts
from dlr_service.retention import repository
from dlr_service.webhooks.retention import delete_callbacks, delete_events
from shared.events import utcnow
from shared.retention import DataKind, RetentionJob, Step

STEPS = (
    Step(DataKind.INBOUND_TEXTS, repository.redact_texts),
    Step(DataKind.INBOUND_MESSAGES, repository.delete_messages),
    Step(DataKind.INBOUND_MESSAGES, repository.delete_last_sends),
    # Which number each sent message went to (a digest) goes as long after.
    Step(DataKind.INBOUND_MESSAGES, recipients.delete_closed),
    Step(DataKind.RECEIPT_TEXTS, receipts.redact_texts),
    Step(DataKind.RECEIPTS, receipts.delete_receipts),
    Step(DataKind.RECEIPTS, receipts.delete_submitted_parts),
    Step(DataKind.UNMATCHED_RECEIPTS, receipts.delete_unmatched),
    Step(DataKind.WEBHOOK_ATTEMPTS, delete_events),
    # A send's callback URL goes after as long; not counted as events.
    Step(DataKind.WEBHOOK_ATTEMPTS, delete_callbacks),
)


def retention_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch_size: int,
    clock: Callable[[], datetime] = utcnow,
    webhook_retention_days: float | None = None,
) -> RetentionJob:
    periods = {}
    if webhook_retention_days is not None:
        periods[DataKind.WEBHOOK_ATTEMPTS] = timedelta(days=webhook_retention_days)
    return RetentionJob(sessionmaker, STEPS, batch_size, clock, periods)

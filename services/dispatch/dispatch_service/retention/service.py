"""dispatch's retention job: the policy's steps for dispatch, in the order they apply."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.retention import repository
from shared.events import utcnow
from shared.retention import DataKind, RetentionJob, Step

STEPS = (
    Step(DataKind.MESSAGE_TEXTS, repository.redact_texts),
    Step(DataKind.MESSAGES, repository.delete_messages),
    Step(DataKind.MESSAGES, repository.delete_inbound_addresses),
    Step(DataKind.CAMPAIGN_TEXTS, repository.redact_campaigns),
    Step(DataKind.CAMPAIGNS, repository.delete_campaigns),
    Step(DataKind.CONCAT_REFERENCES, repository.delete_concat_references),
)


def retention_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch_size: int,
    clock: Callable[[], datetime] = utcnow,
) -> RetentionJob:
    return RetentionJob(sessionmaker, STEPS, batch_size, clock)

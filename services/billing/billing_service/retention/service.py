"""Billing's steps of the retention policy. The periods are settings defaulting to the
policy: BILLING_ACCEPTED_MESSAGES_DAYS (longer than BILLING_RECONCILE_MESSAGES_DAYS, which
the settings check) and BILLING_REFUND_DETAILS_DAYS."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.retention import repository
from shared.events import utcnow
from shared.retention import DataKind, RetentionJob, Step


def retention_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch_size: int,
    *,
    accepted_messages_days: int,
    refund_details_days: int,
    clock: Callable[[], datetime] = utcnow,
) -> RetentionJob:
    steps = (
        Step(DataKind.ACCEPTED_MESSAGES, repository.delete_accepted_messages),
        Step(DataKind.REFUND_BANK_DETAILS, repository.blank_refund_details),
    )
    periods = {
        DataKind.ACCEPTED_MESSAGES: timedelta(days=accepted_messages_days),
        DataKind.REFUND_BANK_DETAILS: timedelta(days=refund_details_days),
    }
    return RetentionJob(sessionmaker, steps, batch_size, clock, periods)

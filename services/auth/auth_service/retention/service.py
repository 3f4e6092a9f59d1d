"""auth's retention job: the audit and activity logs by their periods, and unused accounts:
mailed a notice when they near 3 years unused, closed once the notice is a month old and
they are still unused (a login or an API key's use in between starts the clock over)."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.activity.repository import ActivityLog
from auth_service.audit.repository import AuditLog
from auth_service.audit.service import SYSTEM, Origin
from auth_service.mail.service import queue
from auth_service.retention import repository
from auth_service.sessions.repository import RefreshTokens
from auth_service.states.service import Transition, change_state
from shared.events import utcnow
from shared.mail import Mail
from shared.retention import DataKind, RetentionJob, Step, rule

log = logging.getLogger(__name__)

UNUSED = rule(DataKind.INACTIVE_ACCOUNTS)
NOTICE = UNUSED.notice or timedelta(0)
REASON = "unused for 3 years"
# Like the owner's close (logging in again reopens it, R5), from suspended too: an unpaid
# account nobody uses is closed all the same.
EXPIRE = Transition("close", frozenset(repository.CLOSABLE), "closed", "account.closed")
SUBJECT = "Your SMS gateway account will be closed"


def _notice_text(company: str, closes_on: datetime) -> str:
    return (
        f"Nobody has used the account of {company} for almost 3 years.\n\n"
        f"Unless someone logs in or uses one of its API keys, it will be closed on "
        f"{closes_on:%Y-%m-%d}. Its contacts are then deleted after 60 days and its "
        f"messages after 120 days. Logging in keeps the account as it is.\n"
    )


async def _purge_audit(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    return await AuditLog(session).delete_before(cutoff, limit)


async def _purge_activity(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    return await ActivityLog(session).delete_before(cutoff, limit)


async def _notify_unused(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Accounts unused for the period less the notice: the owner is mailed (R5)."""
    now = cutoff + UNUSED.period
    accounts = await repository.to_notify(session, cutoff + NOTICE, limit)
    for account in accounts:
        email = await repository.owner_email(session, account)
        if email is None:
            log.warning("unused account %s has no address for its notice", account.id)
        else:
            queue(session, Mail(email, SUBJECT, _notice_text(account.company_name, now + NOTICE)))
        account.inactivity_notice_at = now
    return len(accounts)


async def _close_unused(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Accounts unused for the whole period whose notice is at least NOTICE old."""
    now = cutoff + UNUSED.period
    accounts = await repository.to_close(session, cutoff, now - NOTICE, limit)
    for account in accounts:
        await change_state(session, Origin(None, None), account, EXPIRE, SYSTEM, REASON)
        await RefreshTokens(session).revoke_account(account.id, utcnow())
    return len(accounts)


STEPS = (
    Step(DataKind.AUDIT_LOG, _purge_audit),
    Step(DataKind.ACTIVITY_LOG, _purge_activity),
    Step(DataKind.INACTIVE_ACCOUNTS, _notify_unused),
    Step(DataKind.INACTIVE_ACCOUNTS, _close_unused),
)


def retention_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    batch_size: int,
    clock: Callable[[], datetime] = utcnow,
    audit_retention_days: int | None = None,
    activity_retention_days: int | None = None,
) -> RetentionJob:
    periods = {}
    if audit_retention_days is not None:
        periods[DataKind.AUDIT_LOG] = timedelta(days=audit_retention_days)
    if activity_retention_days is not None:
        periods[DataKind.ACTIVITY_LOG] = timedelta(days=activity_retention_days)
    return RetentionJob(sessionmaker, STEPS, batch_size, clock, periods)

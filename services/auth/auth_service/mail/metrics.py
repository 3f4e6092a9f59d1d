"""What the mail sender does with auth's outgoing mail (verification links, invitations,
notifications): sent, failed, tried again, given up; and how much waits (docs/metrics.md).
No label: which mail it was (and to whom) is the queue's business, not Prometheus's."""

from datetime import datetime

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.mail.models import OutgoingMail
from shared.events import utcnow

SENT = Counter("mail_sent_total", "Mails the mail server accepted")
FAILED = Counter(
    "mail_send_failures_total",
    "Attempts to hand a mail to the mail server that failed (the mail waits and is tried again)",
)
RETRIED = Counter(
    "mail_retries_total", "Attempts at a mail that had failed before, whatever their outcome"
)
GIVEN_UP = Counter(
    "mail_given_up_total", "Mails that failed their last allowed attempt: left for operators"
)
PENDING = Gauge("mail_queue_pending", "Mails queued and not yet sent, still to be tried")
OLDEST_AGE = Gauge(
    "mail_queue_oldest_age_seconds", "Age of the oldest mail still to be tried (0: none)"
)
STUCK = Gauge(
    "mail_queue_given_up", "Unsent mails past their last attempt, waiting for an operator"
)


async def measure(sessionmaker: async_sessionmaker[AsyncSession], max_attempts: int) -> None:
    """Sets the queue's gauges; a periodic job, so that a scrape never waits on the database."""
    unsent = OutgoingMail.sent_at.is_(None)
    async with sessionmaker() as session:
        pending, oldest = (
            await session.execute(
                select(func.count(), func.min(OutgoingMail.created_at)).where(
                    unsent, OutgoingMail.attempts < max_attempts
                )
            )
        ).one()
        stuck = await session.scalar(
            select(func.count())
            .select_from(OutgoingMail)
            .where(unsent, OutgoingMail.attempts >= max_attempts)
        )
    PENDING.set(pending)
    OLDEST_AGE.set(_age(oldest))
    STUCK.set(stuck or 0)


def _age(oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite's naive UTC
        oldest = oldest.replace(tzinfo=utcnow().tzinfo)
    return max((utcnow() - oldest).total_seconds(), 0.0)

"""The reconciliation on the service's own schedule (BILLING_RECONCILE_SECONDS): every
replica runs it, read-only, in one REPEATABLE READ transaction (a consistent snapshot under
live charging), and a transaction-scoped advisory lock makes a replica skip a round while
another is scanning the books. What it finds is logged, line by line, and exported as the
gauge `billing_reconcile_differences` by kind: alert on its maximum over the replicas."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.messages.checks import DIFFERENCE_KINDS
from billing_service.reconcile.service import Report, reconcile
from shared.db import is_postgres

log = logging.getLogger(__name__)

DIFFERENCES = Gauge(
    "billing_reconcile_differences",
    "Differences the last reconciliation this process ran found, by kind (0: the books agree)",
    ["kind"],
)
LAST_RUN = Gauge(
    "billing_reconcile_last_run_timestamp_seconds",
    "When this process last finished a reconciliation (Unix time)",
)

# pg_try_advisory_xact_lock's key: "BILL" and "RECO" in ASCII, unlikely to be anyone else's.
_LOCK = (0x42494C4C, 0x5245434F)


# A report's lines in the log at most; the gauge has the full counts.
_LOGGED_LINES = 50


async def snapshot(session: AsyncSession, *, wait: bool) -> bool:
    """Begin the read-only snapshot, first call on `session`. False when another replica
    holds the lock and `wait` is False (the schedule); True once it has it."""
    if not is_postgres(session):
        return True  # SQLite (dev): one process, one writer at a time
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    await session.execute(text("SET TRANSACTION READ ONLY"))
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(*_LOCK)))
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(*_LOCK))))


async def reconcile_round(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: Callable[[], datetime],
    messages_days: int,
) -> Report | None:
    """One scheduled reconciliation: its report, or None when another replica is running
    one. The message checks look back `messages_days` (BILLING_RECONCILE_MESSAGES_DAYS)."""
    async with sessionmaker() as session:
        try:
            if not await snapshot(session, wait=False):
                log.info("reconcile skipped: another replica is running it")
                return None
            report = await reconcile(session, messages_since=now() - timedelta(days=messages_days))
        finally:
            await session.rollback()  # it only read
    for kind in DIFFERENCE_KINDS:
        DIFFERENCES.labels(kind).set(report.kinds.get(kind, 0))
    LAST_RUN.set(now().timestamp())
    if report.ok:
        log.info("reconcile: %s", report.render())
        return report
    lines = report.render().splitlines()
    more = len(lines) - 1 - _LOGGED_LINES
    shown = lines[: _LOGGED_LINES + 1] + ([f"... and {more} more"] if more > 0 else [])
    log.error("reconcile: %s", "\n".join(shown))
    return report

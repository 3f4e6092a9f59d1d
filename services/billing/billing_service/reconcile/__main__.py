"""`python -m billing_service.reconcile`: check the books (BILLING_DATABASE_URL), print a
report, exit 1 if anything differs. The service runs it itself every BILLING_RECONCILE_SECONDS
(reconcile/scheduled.py); this is for a support case or an operator's check. Read-only: it
never corrects anything; a difference is a bug to look into, not to paper over."""

import asyncio
import sys
from datetime import timedelta

from billing_service.config import BillingSettings
from billing_service.reconcile.scheduled import snapshot
from billing_service.reconcile.service import reconcile
from shared.db import create_engine, create_sessionmaker
from shared.events import utcnow


async def main(settings: BillingSettings | None = None) -> int:
    settings = settings or BillingSettings()
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            # The same snapshot as the service's own runs, after any running one.
            await snapshot(session, wait=True)
            since = utcnow() - timedelta(days=settings.reconcile_messages_days)
            report = await reconcile(session, messages_since=since)
    finally:
        await engine.dispose()
    sys.stdout.write(report.render() + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""`python -m billing_service.postpaid`: report postpaid invoices unpaid past their due
date (`billing.payment_overdue`, which suspends the account's sending), with billing's
settings (BILLING_DATABASE_URL). Run it daily (a CronJob); running it again reports only
what is new. The events leave through the outbox, which the billing service relays."""

import asyncio
import sys

from billing_service.config import BillingSettings
from billing_service.postpaid.service import report_overdue
from shared.db import create_engine, create_sessionmaker
from shared.events import utcnow


async def _run(settings: BillingSettings) -> int:
    engine = create_engine(settings.database_url)
    try:
        return await report_overdue(create_sessionmaker(engine), utcnow)
    finally:
        await engine.dispose()


def main() -> int:
    count = asyncio.run(_run(BillingSettings()))
    sys.stdout.write(f"{count} invoices newly overdue\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m billing_service.reconcile`: check the books (BILLING_DATABASE_URL), print a
report, exit 1 if anything differs so a CronJob's failure alerts someone. Read-only: it
never corrects anything; a difference is a bug to look into, not to paper over."""

import asyncio
import sys

from billing_service.config import BillingSettings
from billing_service.reconcile.service import reconcile
from shared.db import create_engine, create_sessionmaker


async def main(settings: BillingSettings | None = None) -> int:
    settings = settings or BillingSettings()
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            report = await reconcile(session)
    finally:
        await engine.dispose()
    sys.stdout.write(report.render() + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""`python -m billing_service.acts [--month YYYY-MM]`: issue the monthly acts of the last
closed month (or the one given), with billing's settings (BILLING_DATABASE_URL, companies).
Run it early each month (a CronJob); running it again issues only what is missing. The acts'
`billing.invoice_issued` events leave through the outbox, which the billing service relays."""

import argparse
import asyncio
import sys

from billing_service.acts.service import Month, issue_acts
from billing_service.companies.config import Companies
from billing_service.config import BillingSettings
from shared.db import create_engine, create_sessionmaker
from shared.events import utcnow


async def _run(settings: BillingSettings, month: Month | None) -> int:
    companies = Companies.load(
        settings.companies, settings.companies_file, settings.default_company, settings.currency
    )
    engine = create_engine(settings.database_url)
    try:
        issued = await issue_acts(create_sessionmaker(engine), companies, utcnow, month)
    finally:
        await engine.dispose()
    return len(issued)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_service.acts")
    parser.add_argument("--month", type=Month.parse, help="YYYY-MM; default: last month")
    args = parser.parse_args(argv)
    try:
        count = asyncio.run(_run(BillingSettings(), args.month))
    except ValueError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    sys.stdout.write(f"{count} acts issued\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

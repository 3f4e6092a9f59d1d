"""`python -m billing_service.postpaid [--invoice-debts]`, with billing's settings
(BILLING_DATABASE_URL, companies):

- without options (daily): report postpaid invoices unpaid past their due date
  (`billing.payment_overdue`, which suspends the account's sending); a second run reports
  only what is new;
- `--invoice-debts`: invoice each postpaid account what it owes beyond what its unpaid
  invoices already ask for, once per month (the service does it on its own schedule,
  BILLING_DEBT_INVOICES_CHECK_SECONDS; this runs the same round by hand).

Events leave through the outbox, which the billing service relays."""

import argparse
import asyncio
import sys

from billing_service.companies.config import Companies
from billing_service.config import BillingSettings
from billing_service.postpaid.invoicing import invoice_debts
from billing_service.postpaid.service import report_overdue
from shared.db import create_engine, create_sessionmaker
from shared.events import utcnow


async def _run(settings: BillingSettings, invoice: bool) -> str:
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        if invoice:
            companies = Companies.load(
                settings.companies,
                settings.companies_file,
                settings.default_company,
                settings.currency,
            )
            issued = await invoice_debts(sessionmaker, companies, utcnow, settings.invoice_due_days)
            return f"{len(issued)} postpaid invoices issued"
        return f"{await report_overdue(sessionmaker, utcnow)} invoices newly overdue"
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_service.postpaid")
    parser.add_argument(
        "--invoice-debts", action="store_true", help="invoice what postpaid accounts owe"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(asyncio.run(_run(BillingSettings(), args.invoice_debts)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

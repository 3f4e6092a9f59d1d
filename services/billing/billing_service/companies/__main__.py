"""`python -m billing_service.companies --announce`: say again, through the outbox, which
company every account signs with (`billing.company_assigned`). New accounts and operators'
changes announce themselves; this is for the accounts billing knew before the event existed,
run once after upgrading (dispatch keeps each account's latest: running it twice is harmless)."""

import argparse
import asyncio
import sys
from uuid import UUID

from sqlalchemy import select

from billing_service.companies.config import Companies
from billing_service.companies.service import assigned, company_of
from billing_service.config import BillingSettings
from billing_service.db import Outbox
from billing_service.ledger.models import Balance
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.outbox import add_event

_BATCH = 500


async def announce(settings: BillingSettings) -> int:
    companies = Companies.load(
        settings.companies, settings.companies_file, settings.default_company, settings.currency
    )
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    announced = 0
    after: UUID | None = None
    try:
        while True:
            async for session in session_scope(sessionmaker):
                statement = select(Balance.account_id).order_by(Balance.account_id).limit(_BATCH)
                if after is not None:
                    statement = statement.where(Balance.account_id > after)
                accounts = list(await session.scalars(statement))
                for account_id in accounts:
                    company = await company_of(session, companies, account_id)
                    add_event(session, Outbox, assigned(account_id, company))
            announced += len(accounts)
            if len(accounts) < _BATCH:
                return announced
            after = accounts[-1]
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_service.companies")
    parser.add_argument(
        "--announce", action="store_true", help="publish every account's company again"
    )
    args = parser.parse_args(argv)
    if not args.announce:
        parser.print_help()
        return 2
    count = asyncio.run(announce(BillingSettings()))
    sys.stdout.write(f"{count} accounts' companies announced\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

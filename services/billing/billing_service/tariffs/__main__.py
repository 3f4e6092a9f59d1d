"""`python -m billing_service.tariffs --republish`: say every tariff version again, through the
outbox (`tariff.published`), now with its currency. Versions published before currencies were
said count for every currency in dispatch's gate; run this once after upgrading, before a
second currency's tariff goes live (dispatch fills the currency in; running it twice is
harmless: versions never change)."""

import argparse
import asyncio
import sys

from billing_service.config import BillingSettings
from billing_service.db import Outbox
from billing_service.tariffs.repository import TariffRepository
from billing_service.tariffs.service import published
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.outbox import add_event


async def republish(settings: BillingSettings) -> int:
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    count = 0
    try:
        # Tariff versions are few (operators make them by hand): one transaction for all.
        async for session in session_scope(sessionmaker):
            repository = TariffRepository(session)
            rows = await repository.versions()
            prices = await repository.prices([version.id for version, _, _ in rows])
            for version, account_id, currency in rows:
                add_event(
                    session, Outbox, published(version, account_id, currency, prices[version.id])
                )
            count = len(rows)
    finally:
        await engine.dispose()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_service.tariffs")
    parser.add_argument(
        "--republish", action="store_true", help="publish every tariff version again"
    )
    args = parser.parse_args(argv)
    if not args.republish:
        parser.print_help()
        return 2
    count = asyncio.run(republish(BillingSettings()))
    sys.stdout.write(f"{count} tariff versions published again\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

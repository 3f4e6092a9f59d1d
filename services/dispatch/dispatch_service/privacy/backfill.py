"""Backfill of dlr's record of whom each message went to (issue 11 item 5).

dlr learns a message's number from `message.accepted`/`batch.accepted` and keeps its digest
(`message_recipients`), so that an erasure of the number finds the receipts that quote the
message without naming the number. Messages accepted before dlr kept that have no row: this
pages dispatch's messages (by id, one transaction per page) and stages, per account and
page, a `message.recipients_backfilled` in the outbox, which the running service's relay
publishes. dlr records the rows it lacks and ignores the rest, so running it again is
harmless. Messages whose number was erased (`redacted`) are not sent."""

import argparse
import asyncio
import json
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.db import Outbox
from dispatch_service.messages.models import Message
from shared.db import create_engine, create_sessionmaker
from shared.erasure import REDACTED_NUMBER
from shared.events import BackfilledRecipient, MessageRecipientsBackfilled
from shared.outbox import add_event

log = logging.getLogger(__name__)


@dataclass
class Backfilled:
    messages: int = 0
    events: int = 0


async def backfill_recipients(
    sessionmaker: async_sessionmaker[AsyncSession],
    page_size: int,
    accepted_before: datetime | None = None,
) -> Backfilled:
    done = Backfilled()
    after: UUID | None = None
    while True:
        async with sessionmaker() as session, session.begin():
            page = await _page(session, after, page_size, accepted_before)
            if not page:
                return done
            after = page[-1].id
            by_account: dict[UUID, list[BackfilledRecipient]] = defaultdict(list)
            for message in page:
                if message.to_number != REDACTED_NUMBER:
                    by_account[message.account_id].append(
                        BackfilledRecipient(
                            message_id=message.id,
                            to=message.to_number,
                            accepted_at=message.created_at,
                        )
                    )
            for account_id, messages in by_account.items():
                add_event(
                    session,
                    Outbox,
                    MessageRecipientsBackfilled(account_id=account_id, messages=messages),
                )
                done.messages += len(messages)
                done.events += 1
        log.info("recipients backfill: %d messages in %d events so far", done.messages, done.events)


async def _page(
    session: AsyncSession, after: UUID | None, limit: int, accepted_before: datetime | None
) -> list[Message]:
    statement = select(Message).order_by(Message.id).limit(limit)
    if after is not None:
        statement = statement.where(Message.id > after)
    if accepted_before is not None:
        statement = statement.where(Message.created_at < accepted_before)
    return list((await session.scalars(statement)).all())


def main(database_url: str, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dispatch_service.privacy",
        description="Privacy maintenance jobs of dispatch.",
    )
    parser.add_argument(
        "--backfill-recipients",
        action="store_true",
        required=True,
        help="send dlr whom each message went to, for messages it has no record of",
    )
    parser.add_argument("--page-size", type=int, default=500, help="messages per transaction")
    parser.add_argument(
        "--accepted-before",
        type=datetime.fromisoformat,
        help="only messages accepted before this ISO 8601 time (when dlr started recording)",
    )
    args = parser.parse_args(argv)

    async def run() -> Backfilled:
        engine = create_engine(database_url)
        try:
            return await backfill_recipients(
                create_sessionmaker(engine), args.page_size, args.accepted_before
            )
        finally:
            await engine.dispose()

    logging.basicConfig(level=logging.INFO)
    done = asyncio.run(run())
    sys.stdout.write(json.dumps({"messages": done.messages, "events": done.events}) + "\n")
    return 0

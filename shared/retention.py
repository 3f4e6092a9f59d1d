"""The retention policy (R18, issue 11 item 7): how long each kind of personal data is kept,
in one table that every service's retention job reads and docs/privacy.md is generated from.

`python -m shared.retention --markdown` rewrites the table section of docs/privacy.md; a test
fails when the two drift. A period here is the policy; a service's setting only overrides it
where a test or an operator must (e.g. AUTH_AUDIT_RETENTION_DAYS), and defaults to it.
"""

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, create_sessionmaker, session_scope, upsert_newest
from shared.events import AccountStateChanged, utcnow

log = logging.getLogger(__name__)

Service = Literal["auth", "contacts", "dispatch", "dlr", "billing"]

# What a redacted text reads: the row stays (its status, parts and price still add up), the
# words are gone for good.
REDACTED_TEXT = "[redacted]"


class DataKind(StrEnum):
    IMPORT_FILES = "import_files"
    CONTACTS = "contacts"
    MESSAGE_TEXTS = "message_texts"
    MESSAGES = "messages"
    CAMPAIGN_TEXTS = "campaign_texts"
    CAMPAIGNS = "campaigns"
    INBOUND_TEXTS = "inbound_texts"
    INBOUND_MESSAGES = "inbound_messages"
    RECEIPT_TEXTS = "receipt_texts"
    RECEIPTS = "receipts"
    UNMATCHED_RECEIPTS = "unmatched_receipts"
    WEBHOOK_ATTEMPTS = "webhook_attempts"
    ACTIVITY_LOG = "activity_log"
    AUDIT_LOG = "audit_log"
    INACTIVE_ACCOUNTS = "inactive_accounts"
    ACCEPTED_MESSAGES = "accepted_messages"
    REFUND_BANK_DETAILS = "refund_bank_details"
    CONCAT_REFERENCES = "concat_references"


class Trigger(StrEnum):
    """When the period starts counting."""

    SINCE_IMPORT = "since import"
    # The account's owner closed it (account.state_changed closed) or the customer asked
    # for deletion; reopening the account stops the clock, but what went stays gone (R5).
    SINCE_CLOSED = "since account closed or deletion asked"
    SINCE_CREATED = "since created"
    SINCE_LAST_LOGIN = "since last login"
    SINCE_REFUND_DECIDED = "since the refund was paid, rejected or withdrawn"
    SINCE_LAST_USED = "since last used"


class Action(StrEnum):
    REDACT = "redact"
    DELETE = "delete"


@dataclass(frozen=True)
class Rule:
    kind: DataKind
    service: Service
    what: str
    trigger: Trigger
    period: timedelta
    action: Action
    # Deleted only this long after a notice went to the account's owner (R5: an e-mail).
    notice: timedelta | None = None

    @property
    def days(self) -> int:
        return self.period.days


DAY = timedelta(days=1)

POLICY: tuple[Rule, ...] = (
    Rule(
        DataKind.IMPORT_FILES,
        "contacts",
        "uploaded contact import files and their error reports",
        Trigger.SINCE_IMPORT,
        60 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.CONTACTS,
        "contacts",
        "contacts, their custom values, groups, consent records and imports",
        Trigger.SINCE_CLOSED,
        60 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.MESSAGE_TEXTS,
        "dispatch",
        "texts of sent messages and their parts",
        Trigger.SINCE_CLOSED,
        60 * DAY,
        Action.REDACT,
    ),
    Rule(
        DataKind.MESSAGES,
        "dispatch",
        "sent messages, their parts and status history, reply addresses",
        Trigger.SINCE_CLOSED,
        120 * DAY,
        Action.DELETE,
    ),
    # A campaign's text and its recipients' personalisation values are messages' texts in
    # waiting; its recipients' numbers are messages' numbers: the messages' periods.
    Rule(
        DataKind.CAMPAIGN_TEXTS,
        "dispatch",
        "campaign texts and their recipients' personalisation values",
        Trigger.SINCE_CLOSED,
        60 * DAY,
        Action.REDACT,
    ),
    Rule(
        DataKind.CAMPAIGNS,
        "dispatch",
        "campaigns, their recipients (numbers) and audience chunks",
        Trigger.SINCE_CLOSED,
        120 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.INBOUND_TEXTS,
        "dlr",
        "texts of received (inbound) SMS and their parts",
        Trigger.SINCE_CLOSED,
        60 * DAY,
        Action.REDACT,
    ),
    Rule(
        DataKind.INBOUND_MESSAGES,
        "dlr",
        "received (inbound) SMS and their parts, replies' owners, sent messages' numbers "
        "(as digests)",
        Trigger.SINCE_CLOSED,
        120 * DAY,
        Action.DELETE,
    ),
    # A receipt's raw text may quote the message's first words (SMPP appendix B `text:`)
    # and names the part it reports on: the messages' periods.
    Rule(
        DataKind.RECEIPT_TEXTS,
        "dlr",
        "raw texts of delivery receipts (they may quote the message)",
        Trigger.SINCE_CLOSED,
        60 * DAY,
        Action.REDACT,
    ),
    Rule(
        DataKind.RECEIPTS,
        "dlr",
        "delivery receipts and the record of which SMSC id each sent part got",
        Trigger.SINCE_CLOSED,
        120 * DAY,
        Action.DELETE,
    ),
    # A receipt whose part never turned up belongs to no account, so no closure starts its
    # clock; it is kept as long as it can help an operator find a lost part.
    Rule(
        DataKind.UNMATCHED_RECEIPTS,
        "dlr",
        "delivery receipts matched to no sent part (they may quote a message)",
        Trigger.SINCE_CREATED,
        30 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.WEBHOOK_ATTEMPTS,
        "dlr",
        "webhook events, deliveries and attempt logs",
        Trigger.SINCE_CREATED,
        30 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.ACTIVITY_LOG,
        "auth",
        "activity log (requests through the gateway: IP, user agent, path)",
        Trigger.SINCE_CREATED,
        30 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.AUDIT_LOG,
        "auth",
        "audit log of actions on personal data and access",
        Trigger.SINCE_CREATED,
        730 * DAY,
        Action.DELETE,
    ),
    Rule(
        DataKind.INACTIVE_ACCOUNTS,
        "auth",
        "accounts nobody logged in to, closed after an e-mail notice",
        Trigger.SINCE_LAST_LOGIN,
        3 * 365 * DAY,
        Action.DELETE,
        notice=30 * DAY,
    ),
    # What dispatch accepted, as billing heard of it: only for the reconciliation, which
    # compares the charges of the last BILLING_RECONCILE_MESSAGES_DAYS (90) with it. The
    # charges themselves are accounting records and stay in the ledger.
    Rule(
        DataKind.ACCEPTED_MESSAGES,
        "billing",
        "billing's record of accepted messages (message id, account, parts)",
        Trigger.SINCE_CREATED,
        120 * DAY,
        Action.DELETE,
    ),
    # The transfer itself is an accounting record (amount, date, the ledger's entries, the
    # bank's statement) and stays; where it went is needed only while the payment can be
    # queried, returned or recalled: a SEPA recall may come up to 13 months later.
    Rule(
        DataKind.REFUND_BANK_DETAILS,
        "billing",
        "bank details (holder, IBAN, BIC) a closed account gave for its refund",
        Trigger.SINCE_REFUND_DECIDED,
        400 * DAY,
        Action.REDACT,
    ),
    # A number's counter of long-message references matters only while one of its long
    # messages can still be in flight (an SMSC keeps a part up to 72 h, the receipt
    # deadline): kept a week after its last use, the number is not kept for ever. A number
    # messaged again later starts at a random reference, as a new one does.
    Rule(
        DataKind.CONCAT_REFERENCES,
        "dispatch",
        "the last long-message reference handed out to each destination number",
        Trigger.SINCE_LAST_USED,
        7 * DAY,
        Action.DELETE,
    ),
)

_BY_KIND = {rule.kind: rule for rule in POLICY}


def rule(kind: DataKind) -> Rule:
    return _BY_KIND[kind]


def period(kind: DataKind) -> timedelta:
    return _BY_KIND[kind].period


def rules_of(service: Service) -> tuple[Rule, ...]:
    return tuple(rule for rule in POLICY if rule.service == service)


# (session, cutoff, at most this many rows) -> how many rows it redacted or deleted. Rows
# older than the cutoff (by the rule's trigger) are past the period.
BatchStep = Callable[[AsyncSession, datetime, int], Awaitable[int]]


@dataclass(frozen=True)
class Step:
    kind: DataKind
    run: BatchStep


async def apply_account_states(
    session: AsyncSession, table: Table, events: Sequence[AccountStateChanged]
) -> None:
    """Keeps each account's latest state and since when in a service's own `table`
    (account_id, state, changed_at): a closure starts that service's retention clock.
    An older event (a replay) never overwrites a newer one; one statement per run."""
    await upsert_newest(
        session,
        table,
        ["account_id"],
        (
            {"account_id": e.account_id, "state": e.state, "changed_at": e.occurred_at}
            for e in events
        ),
    )


class RetentionJob:
    """One service's retention round: each step, batch after batch, each batch its own short
    transaction, so a backlog of a million rows never holds one long transaction or lock.
    The clock is injectable so that tests move time instead of waiting for it; `periods`
    overrides the policy's (a setting), never in the policy's absence."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        steps: Sequence[Step],
        batch_size: int,
        clock: Callable[[], datetime] = utcnow,
        periods: Mapping[DataKind, timedelta] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._steps = steps
        self._batch_size = batch_size
        self._clock = clock
        self._periods = {**{item.kind: item.period for item in POLICY}, **(periods or {})}

    async def run_once(self) -> dict[str, int]:
        now = self._clock()
        done: dict[str, int] = {}
        for step in self._steps:
            cutoff = now - self._periods[step.kind]
            total = 0
            while True:
                async for session in session_scope(self._sessionmaker):
                    count = await step.run(session, cutoff, self._batch_size)
                total += count
                if count < self._batch_size:
                    break
            # Several steps may serve one kind (a table each): their rows add up.
            done[step.kind.value] = done.get(step.kind.value, 0) + total
            if total:
                log.info("retention: %s %d %s", rule(step.kind).action, total, step.kind)
        return done


def cli(
    prog: str,
    database_url: str,
    interval_seconds: float,
    make_job: Callable[[async_sessionmaker[AsyncSession]], RetentionJob],
    argv: list[str] | None = None,
) -> int:
    """`python -m <svc>_service.retention [--once]`: one round (a CronJob, an operator by
    hand) printing what it did as JSON, or rounds every interval until stopped."""
    parser = argparse.ArgumentParser(prog=prog, description="Applies the retention policy.")
    parser.add_argument("--once", action="store_true", help="run one round and exit")
    args = parser.parse_args(argv)

    async def run() -> None:
        engine = create_engine(database_url)
        job = make_job(create_sessionmaker(engine))
        try:
            while True:
                done = await job.run_once()
                if args.once:
                    sys.stdout.write(json.dumps(done) + "\n")
                    return
                await asyncio.sleep(interval_seconds)
        finally:
            await engine.dispose()

    logging.basicConfig(level=logging.INFO)
    asyncio.run(run())
    return 0


# The generated section of docs/privacy.md sits between these two lines.
BEGIN = "<!-- retention-table: generated by `python -m shared.retention --markdown` -->"
END = "<!-- /retention-table -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"


def _duration(span: timedelta) -> str:
    days = span.days
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years > 1 else ''}"
    return f"{days} days"


def markdown_table() -> str:
    lines = [
        "| data | service | kept | counted | then |",
        "|---|---|---|---|---|",
    ]
    for item in POLICY:
        then = item.action.value
        if item.notice is not None:
            then += f", {_duration(item.notice)} after an e-mail notice"
        lines.append(
            f"| {item.what} (`{item.kind}`) | {item.service} | {_duration(item.period)} "
            f"| {item.trigger} | {then} |"
        )
    return "\n".join(lines)


def render(document: str) -> str:
    """`document` with its table section replaced by the table of POLICY."""
    head, found, rest = document.partition(BEGIN)
    if not found:
        raise ValueError(f"no {BEGIN!r} line in the document")
    _, found, tail = rest.partition(END)
    if not found:
        raise ValueError(f"no {END!r} line after the table's start")
    return f"{head}{BEGIN}\n{markdown_table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.retention")
    parser.add_argument(
        "--markdown", action="store_true", help=f"rewrite the retention table in {DOC}"
    )
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    if not args.markdown:
        sys.stdout.write(markdown_table() + "\n")
        return 0
    args.doc.write_text(render(args.doc.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

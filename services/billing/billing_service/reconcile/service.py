"""The checks: each is one aggregate query, so a run reads every row once per check rather
than account by account."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.models import Balance, LedgerPosting, LedgerTransaction
from billing_service.ledger.money import format_units
from billing_service.messages.checks import DifferenceKind, message_differences


@dataclass
class Report:
    accounts: int = 0
    transactions: int = 0
    # Human-readable, one line a difference; empty: the books agree.
    differences: list[str] = field(default_factory=list)
    # How many of each kind (the Prometheus gauge's figures).
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, kind: DifferenceKind, line: str) -> None:
        self.differences.append(line)
        self.kinds[kind] += 1

    @property
    def ok(self) -> bool:
        return not self.differences

    def render(self) -> str:
        head = f"checked {self.accounts} accounts and {self.transactions} transactions: " + (
            "the ledger agrees" if self.ok else f"{len(self.differences)} differences"
        )
        return "\n".join([head, *self.differences])


async def reconcile(
    session: AsyncSession,
    account_ids: list[UUID] | None = None,
    messages_since: datetime | None = None,
) -> Report:
    """Every account's stored balance against the sum of its balance postings, every
    transaction's postings against zero, every transaction's customer amount against its
    balance leg, and the charges against the messages dispatch accepted. `account_ids`
    narrows it to some accounts (a test, a support case); `messages_since` the message
    checks to the charges and messages from then on (billing keeps the accepted messages
    only BILLING_ACCEPTED_MESSAGES_DAYS: an older charge would find none).

    The checks are several statements: on a live database run it in one REPEATABLE READ
    transaction (`snapshot`) or a charge committed between two reads is a false difference."""
    report = Report()
    await _balances(session, report, account_ids)
    await _transactions(session, report, account_ids)
    for kind, line in await message_differences(session, account_ids, messages_since):
        report.add(kind, line)
    return report


async def _balances(session: AsyncSession, report: Report, account_ids: list[UUID] | None) -> None:
    # Per currency: a balance that moved to another company's currency (only ever empty)
    # keeps its old postings, which must still sum to zero.
    posted = (
        select(
            LedgerPosting.account_id.label("account_id"),
            LedgerPosting.currency.label("currency"),
            func.sum(LedgerPosting.amount_units).label("units"),
        )
        .where(LedgerPosting.book == "balance")
        .group_by(LedgerPosting.account_id, LedgerPosting.currency)
    )
    if account_ids is not None:
        posted = posted.where(LedgerPosting.account_id.in_(account_ids))
    sums: dict[UUID, dict[str, int]] = {}
    for row in await session.execute(posted):
        sums.setdefault(row.account_id, {})[row.currency] = int(row.units)
    stored = select(Balance.account_id, Balance.amount_units, Balance.currency)
    if account_ids is not None:
        stored = stored.where(Balance.account_id.in_(account_ids))
    balances = {
        row.account_id: (row.amount_units, row.currency) for row in await session.execute(stored)
    }
    report.accounts = len(balances)
    for account_id in sorted(balances.keys() | sums.keys()):
        by_currency = sums.get(account_id, {})
        held = balances.get(account_id)
        for currency, units in sorted(by_currency.items()):
            if units and (held is None or currency != held[1]):
                report.add(
                    "balance_mismatch",
                    f"account {account_id}: postings in {currency} sum to "
                    f"{format_units(units)} but its balance is kept in "
                    f"{held[1] if held else 'no currency'}",
                )
        expected = by_currency.get(held[1], 0) if held else sum(by_currency.values())
        actual = held[0] if held else None
        if actual is None:
            report.add(
                "balance_missing",
                f"account {account_id}: postings sum to {format_units(expected)} "
                "but it has no balance",
            )
        elif actual != expected:
            report.add(
                "balance_mismatch",
                f"account {account_id}: balance {format_units(actual)} but postings sum to "
                f"{format_units(expected)} (difference {format_units(actual - expected)})",
            )


async def _transactions(
    session: AsyncSession, report: Report, account_ids: list[UUID] | None
) -> None:
    balance_leg = func.coalesce(
        func.sum(LedgerPosting.amount_units).filter(LedgerPosting.book == "balance"), 0
    )
    # Every leg in the transaction's currency, so each currency's books balance alone.
    foreign_legs = func.count(LedgerPosting.line).filter(
        LedgerPosting.currency != LedgerTransaction.currency
    )
    statement = (
        select(
            LedgerTransaction.id,
            LedgerTransaction.amount_units,
            func.coalesce(func.sum(LedgerPosting.amount_units), 0).label("total"),
            balance_leg.label("balance_leg"),
            foreign_legs.label("foreign_legs"),
        )
        .outerjoin(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.amount_units)
    )
    if account_ids is not None:
        statement = statement.where(LedgerTransaction.account_id.in_(account_ids))
    count = 0
    for row in await session.execute(statement):
        count += 1
        # SUM of BIGINT is NUMERIC on PostgreSQL: back to int before comparing or formatting.
        total, leg = int(row.total), int(row.balance_leg)
        if total != 0:
            report.add(
                "transaction_unbalanced",
                f"transaction {row.id}: postings sum to {format_units(total)}, not zero",
            )
        if row.foreign_legs:
            report.add(
                "transaction_unbalanced",
                f"transaction {row.id}: {row.foreign_legs} legs in another currency than its own",
            )
        if leg != row.amount_units:
            report.add(
                "amount_mismatch",
                f"transaction {row.id}: amount {format_units(row.amount_units)} but its "
                f"balance leg is {format_units(leg)}",
            )
    report.transactions = count

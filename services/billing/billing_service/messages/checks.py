"""The reconciliation's message checks (issue 10, item 8): every charge has a message
dispatch accepted, every accepted message that was not declined has its charge, for the
same number of parts. Each is one anti-join, read-only."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import and_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from billing_service.ledger.models import LedgerTransaction
from billing_service.messages.models import AcceptedMessage

# The reconciliation's kinds of difference (bounded: they label a Prometheus gauge).
DifferenceKind = Literal[
    "balance_mismatch",
    "balance_missing",
    "transaction_unbalanced",
    "amount_mismatch",
    "charge_without_message",
    "message_not_charged",
    "declined_but_charged",
    "parts_mismatch",
]
DIFFERENCE_KINDS: tuple[str, ...] = DifferenceKind.__args__  # type: ignore[attr-defined]

_CHARGE = and_(
    LedgerTransaction.kind == "charge",
    LedgerTransaction.message_id == AcceptedMessage.message_id,
)


def _from(column: InstrumentedAttribute[datetime], since: datetime | None) -> Any:
    return true() if since is None else column >= since


def _of(column: InstrumentedAttribute[UUID], account_ids: list[UUID] | None) -> Any:
    return true() if account_ids is None else column.in_(account_ids)


async def message_differences(
    session: AsyncSession, account_ids: list[UUID] | None = None, since: datetime | None = None
) -> list[tuple[DifferenceKind, str]]:
    """(kind, one line for people) of each difference. `since`: only charges posted and
    messages accepted from then on (the projection keeps messages only so long)."""
    differences: list[tuple[DifferenceKind, str]] = []
    unknown = (
        select(LedgerTransaction.id, LedgerTransaction.message_id, LedgerTransaction.parts)
        .outerjoin(AcceptedMessage, _CHARGE)
        .where(LedgerTransaction.kind == "charge", AcceptedMessage.message_id.is_(None))
        .where(_of(LedgerTransaction.account_id, account_ids))
        .where(_from(LedgerTransaction.created_at, since))
    )
    for row in await session.execute(unknown):
        differences.append(
            (
                "charge_without_message",
                f"charge {row.id}: {row.parts} parts of message {row.message_id}, "
                "which dispatch never accepted",
            )
        )
    uncharged = (
        select(AcceptedMessage.message_id, AcceptedMessage.account_id, AcceptedMessage.parts)
        .outerjoin(LedgerTransaction, _CHARGE)
        .where(AcceptedMessage.declined.is_(False), LedgerTransaction.id.is_(None))
        .where(_of(AcceptedMessage.account_id, account_ids))
        .where(_from(AcceptedMessage.accepted_at, since))
    )
    for heard in await session.execute(uncharged):
        differences.append(
            (
                "message_not_charged",
                f"message {heard.message_id} of account {heard.account_id}: accepted with "
                f"{heard.parts} parts but never charged nor declined",
            )
        )
    mismatched = (
        select(
            AcceptedMessage.message_id,
            AcceptedMessage.parts,
            AcceptedMessage.declined,
            LedgerTransaction.parts.label("charged_parts"),
        )
        .join(LedgerTransaction, _CHARGE)
        .where(
            (AcceptedMessage.declined.is_(True))
            | (LedgerTransaction.parts != AcceptedMessage.parts)
        )
        .where(_of(AcceptedMessage.account_id, account_ids))
        .where(_from(AcceptedMessage.accepted_at, since))
    )
    for pair in await session.execute(mismatched):
        if pair.declined:
            differences.append(
                ("declined_but_charged", f"message {pair.message_id}: declined but charged")
            )
        else:
            differences.append(
                (
                    "parts_mismatch",
                    f"message {pair.message_id}: accepted with {pair.parts} parts but "
                    f"{pair.charged_parts} charged",
                )
            )
    return differences

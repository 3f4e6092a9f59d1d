from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.models import Balance, LedgerPosting, LedgerTransaction
from billing_service.ledger.postings import ChargeRecord, Draft, charge_key
from shared.db import upsert_insert
from shared.events import utcnow


@dataclass(frozen=True, slots=True)
class BalanceState:
    """A balance as an UPDATE left it, with what the low-balance check needs."""

    amount_units: int
    currency: str
    low_threshold_units: int | None
    last_credit_units: int
    low_flagged: bool

    @property
    def threshold_units(self) -> int:
        """The customer's own threshold, else 10 % of the last credit (R5)."""
        if self.low_threshold_units is not None:
            return self.low_threshold_units
        return self.last_credit_units // 10


_STATE = (
    Balance.amount_units,
    Balance.currency,
    Balance.low_threshold_units,
    Balance.last_credit_units,
    Balance.low_flagged,
)


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create_balance(self, account_id: UUID, amount_units: int, currency: str) -> bool:
        """Open the balance unless it exists; True if this call opened it."""
        statement = (
            upsert_insert(self._session, Balance)
            .values(
                account_id=account_id,
                amount_units=amount_units,
                currency=currency,
                updated_at=utcnow(),
                last_credit_units=0,
                low_flagged=False,
            )
            .on_conflict_do_nothing(index_elements=[Balance.account_id])
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return bool(result.rowcount)

    async def currency_of(self, account_id: UUID) -> str | None:
        return await self._session.scalar(
            select(Balance.currency).where(Balance.account_id == account_id)
        )

    async def adopt_currency(self, account_id: UUID, currency: str) -> bool:
        """Keep the balance in `currency` from now on, if it holds nothing (a balance with
        money in it keeps its currency: nothing converts). The low-balance threshold and
        the last top-up were amounts of the old currency: they start again. True if the
        balance is now in `currency`."""
        statement = (
            update(Balance)
            .where(
                Balance.account_id == account_id,
                Balance.amount_units == 0,
                Balance.currency != currency,
            )
            .values(
                currency=currency,
                low_threshold_units=None,
                last_credit_units=0,
                low_flagged=False,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        await self._session.execute(statement)
        return await self.currency_of(account_id) == currency

    async def claim(self, drafts: Sequence[Draft]) -> set[UUID]:
        """Write the transactions whose keys are new, in one statement; the ids of those this
        call wrote. A key used before (a replay) keeps its first transaction, and on
        PostgreSQL a concurrent claim of the same key waits for this transaction to end."""
        if not drafts:
            return set()
        now = utcnow()
        table = LedgerTransaction.__table__
        # Executemany on the table: a multi-row VALUES would compile anew for every count.
        statement = (
            upsert_insert(self._session, table)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table.c.id)
        )
        rows = [
            {
                "id": draft.id,
                "account_id": draft.account_id,
                "kind": draft.kind,
                "amount_units": draft.balance_units,
                "currency": draft.currency,
                "idempotency_key": draft.idempotency_key,
                "message_id": draft.message_id,
                "parts": draft.parts,
                "country": draft.country,
                "sender": draft.sender,
                "memo": draft.memo,
                "created_at": now,
            }
            for draft in drafts
        ]
        return set((await self._session.scalars(statement, rows)).all())

    async def add_legs(self, drafts: Sequence[Draft]) -> None:
        """The postings of claimed transactions, all in one statement."""
        rows = [
            {
                "transaction_id": draft.id,
                "line": line,
                "book": leg.book,
                "account_id": leg.account_id,
                "amount_units": leg.amount_units,
                "currency": draft.currency,
            }
            for draft in drafts
            for line, leg in enumerate(draft.legs, start=1)
        ]
        if rows:
            await self._session.execute(insert(LedgerPosting), rows)

    async def remove(self, transaction_ids: Collection[UUID]) -> None:
        """Take claims back (declined charges): as if never claimed."""
        if not transaction_ids:
            return
        ids = list(transaction_ids)
        await self._session.execute(
            delete(LedgerPosting).where(LedgerPosting.transaction_id.in_(ids))
        )
        await self._session.execute(delete(LedgerTransaction).where(LedgerTransaction.id.in_(ids)))

    async def credit(
        self, account_id: UUID, amount_units: int, *, remember: bool = False
    ) -> BalanceState | None:
        """Raise the balance, in one statement so a concurrent debit can't lose it.
        `remember`: a top-up, whose size sets the default low-balance threshold."""
        values: dict[str, Any] = {
            "amount_units": Balance.amount_units + amount_units,
            "updated_at": utcnow(),
        }
        if remember:
            values["last_credit_units"] = amount_units
        return await self._update(Balance.account_id == account_id, values)

    async def debit(self, account_id: UUID, amount_units: int) -> BalanceState | None:
        """Take the amount if the balance covers it, in one statement so concurrent charges
        can't both spend the same money; the balance after, or None if it didn't cover."""
        # Postpaid accounts may go down to minus their credit limit (0 for prepaid ones).
        covered = Balance.amount_units + Balance.credit_limit_units >= amount_units
        return await self._update(
            and_(Balance.account_id == account_id, covered),
            {"amount_units": Balance.amount_units - amount_units, "updated_at": utcnow()},
        )

    async def _update(self, where: Any, values: dict[str, Any]) -> BalanceState | None:
        statement = (
            update(Balance)
            .where(where)
            .values(**values)
            .returning(*_STATE)
            .execution_options(synchronize_session=False)
        )
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else BalanceState(*row)

    async def set_low_flag(self, account_id: UUID, flagged: bool) -> None:
        await self._session.execute(
            update(Balance)
            .where(Balance.account_id == account_id)
            .values(low_flagged=flagged)
            .execution_options(synchronize_session=False)
        )

    async def set_low_threshold(self, account_id: UUID, units: int | None) -> BalanceState | None:
        return await self._update(Balance.account_id == account_id, {"low_threshold_units": units})

    async def lock_balance(self, account_id: UUID) -> tuple[int, str] | None:
        """The balance, locked until the transaction ends: charges decided from it in
        memory can't race another transaction's (SQLite: BEGIN IMMEDIATE already)."""
        locked = await self.lock_spendable(account_id)
        return None if locked is None else (locked[0], locked[2])

    async def lock_spendable(self, account_id: UUID) -> tuple[int, int, str] | None:
        """(balance, what may still be spent: the balance plus the credit limit, currency),
        locked like lock_balance."""
        statement = (
            select(Balance.amount_units, Balance.credit_limit_units, Balance.currency)
            .where(Balance.account_id == account_id)
            .with_for_update()
        )
        row = (await self._session.execute(statement)).one_or_none()
        if row is None:
            return None
        return row.amount_units, row.amount_units + row.credit_limit_units, row.currency

    async def spendable(self, account_id: UUID) -> tuple[int, int, str] | None:
        """(balance, credit limit, currency), unlocked: what the customer is shown."""
        statement = select(
            Balance.amount_units, Balance.credit_limit_units, Balance.currency
        ).where(Balance.account_id == account_id)
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else (row.amount_units, row.credit_limit_units, row.currency)

    async def balance(self, account_id: UUID) -> BalanceState | None:
        # Columns rather than the entity: the identity map would hand back a row loaded
        # earlier in this transaction, stale after a debit that bypassed the ORM.
        row = (
            await self._session.execute(select(*_STATE).where(Balance.account_id == account_id))
        ).one_or_none()
        return None if row is None else BalanceState(*row)

    async def charge_of(self, message_id: UUID) -> ChargeRecord | None:
        statement = select(LedgerTransaction).where(
            LedgerTransaction.idempotency_key == charge_key(message_id)
        )
        charged = (await self._session.scalars(statement)).one_or_none()
        if charged is None or not charged.parts:
            return None
        return ChargeRecord(
            account_id=charged.account_id,
            message_id=message_id,
            cost_units=-charged.amount_units,
            currency=charged.currency,
            parts=charged.parts,
            country=charged.country,
            sender=charged.sender,
        )

    async def page(
        self,
        account_id: UUID,
        *,
        limit: int,
        after: tuple[datetime, UUID] | None,
        kinds: Collection[str],
        since: datetime | None,
        until: datetime | None,
    ) -> list[LedgerTransaction]:
        """One page of the account's transactions, newest first, after a cursor position."""
        statement = select(LedgerTransaction).where(LedgerTransaction.account_id == account_id)
        if kinds:
            statement = statement.where(LedgerTransaction.kind.in_(list(kinds)))
        if since is not None:
            statement = statement.where(LedgerTransaction.created_at >= since)
        if until is not None:
            statement = statement.where(LedgerTransaction.created_at < until)
        if after is not None:
            at, row_id = after
            statement = statement.where(
                or_(
                    LedgerTransaction.created_at < at,
                    and_(LedgerTransaction.created_at == at, LedgerTransaction.id < row_id),
                )
            )
        statement = statement.order_by(
            LedgerTransaction.created_at.desc(), LedgerTransaction.id.desc()
        ).limit(limit)
        return list((await self._session.scalars(statement)).all())

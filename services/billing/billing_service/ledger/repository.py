from collections.abc import Collection, Mapping
from typing import Any, cast
from uuid import UUID, uuid4

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.models import Balance, EntryKind, LedgerEntry
from shared.db import upsert_insert
from shared.events import utcnow


def charge_key(message_id: UUID) -> str:
    """The ledger's idempotency key of a message's charge, however it was charged (alone or
    in a batch): a message can't be paid for twice."""
    return f"charge:{message_id}"


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _insert(self, model: type[Balance] | type[LedgerEntry]) -> Any:
        return upsert_insert(self._session, model)

    async def create_balance(self, account_id: UUID, amount_units: int, currency: str) -> bool:
        """Open the balance unless it exists; True if this call opened it."""
        statement = (
            self._insert(Balance)
            .values(
                account_id=account_id,
                amount_units=amount_units,
                currency=currency,
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[Balance.account_id])
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return bool(result.rowcount)

    async def add_entry(
        self,
        *,
        account_id: UUID,
        kind: EntryKind,
        amount_units: int,
        idempotency_key: str,
        message_id: UUID | None = None,
    ) -> UUID | None:
        """Write the entry unless one with this key exists; its id if this call wrote it."""
        statement = (
            self._insert(LedgerEntry)
            .values(
                id=uuid4(),
                account_id=account_id,
                message_id=message_id,
                kind=kind,
                amount_units=amount_units,
                idempotency_key=idempotency_key,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[LedgerEntry.idempotency_key])
            .returning(LedgerEntry.id)
        )
        entry_id: UUID | None = (await self._session.execute(statement)).scalar_one_or_none()
        return entry_id

    async def add_charges(self, account_id: UUID, costs: Mapping[UUID, int]) -> dict[UUID, UUID]:
        """`add_entry` for many messages' charges in one statement: message id → entry id
        for each charge this call wrote (a message charged before keeps its entry)."""
        now = utcnow()
        table = LedgerEntry.__table__
        # Executemany on the table: a multi-row VALUES would compile anew for every count.
        statement = (
            upsert_insert(self._session, table)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table.c.message_id, table.c.id)
        )
        rows = [
            {
                "id": uuid4(),
                "account_id": account_id,
                "message_id": message_id,
                "kind": "charge",
                "amount_units": -cost,
                "idempotency_key": charge_key(message_id),
                "created_at": now,
            }
            for message_id, cost in costs.items()
        ]
        if not rows:
            return {}
        written = (await self._session.execute(statement, rows)).all()
        return {message_id: entry_id for message_id, entry_id in written if message_id is not None}

    async def remove_entry(self, entry_id: UUID) -> None:
        await self.remove_entries([entry_id])

    async def remove_entries(self, entry_ids: Collection[UUID]) -> None:
        await self._session.execute(delete(LedgerEntry).where(LedgerEntry.id.in_(entry_ids)))

    async def credit(self, account_id: UUID, amount_units: int) -> None:
        """Raise the balance, in one statement so a concurrent debit can't lose it."""
        await self._session.execute(
            update(Balance)
            .where(Balance.account_id == account_id)
            .values(amount_units=Balance.amount_units + amount_units, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )

    async def debit(self, account_id: UUID, amount_units: int) -> str | None:
        """Take the amount if the balance covers it, in one statement so concurrent charges
        can't both spend the same money; the balance's currency if it did, else None."""
        statement = (
            update(Balance)
            .where(Balance.account_id == account_id, Balance.amount_units >= amount_units)
            .values(amount_units=Balance.amount_units - amount_units, updated_at=utcnow())
            .returning(Balance.currency)
            .execution_options(synchronize_session=False)
        )
        currency: str | None = (await self._session.execute(statement)).scalar_one_or_none()
        return currency

    async def lock_balance(self, account_id: UUID) -> tuple[int, str] | None:
        """The balance, locked until the transaction ends: charges decided from it in
        memory can't race another transaction's (SQLite: BEGIN IMMEDIATE already)."""
        statement = (
            select(Balance.amount_units, Balance.currency)
            .where(Balance.account_id == account_id)
            .with_for_update()
        )
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else (row.amount_units, row.currency)

    async def balance(self, account_id: UUID) -> tuple[int, str] | None:
        # Columns rather than the entity: the identity map would hand back a row loaded
        # earlier in this transaction, stale after a debit that bypassed the ORM.
        row = (
            await self._session.execute(
                select(Balance.amount_units, Balance.currency).where(
                    Balance.account_id == account_id
                )
            )
        ).one_or_none()
        return None if row is None else (row.amount_units, row.currency)

    async def entries(self, account_id: UUID, limit: int) -> list[LedgerEntry]:
        statement = (
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account_id)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
            .limit(limit)
        )
        return list((await self._session.scalars(statement)).all())

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.receipts.models import (
    PendingReceipt,
    PendingReceiptKey,
    ReceiptRecord,
    SubmittedPart,
)
from shared.db import is_postgres, upsert_insert


class ReceiptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_keys(self, keys: Iterable[str]) -> None:
        """Serialise the receipt and the submit response of one id across replicas.

        Without it, a receipt handler on one replica (no part yet, stores it pending) and a
        part handler on another (no pending yet, stores the part) could both commit having
        missed each other, and the receipt would wait forever. Transaction-scoped advisory
        locks on the keys make the second one see the first. SQLite needs none: BEGIN
        IMMEDIATE already lets one writer at a time in.
        """
        if not is_postgres(self._session):
            return
        for key in sorted(set(keys)):  # one order everywhere keeps deadlocks rare
            lock_id = func.hashtextextended(f"dlr.smsc_key:{key}", 0)
            await self._session.execute(select(func.pg_advisory_xact_lock(lock_id)))

    async def parts_by_keys(self, keys: Sequence[str]) -> list[SubmittedPart]:
        statement = (
            select(SubmittedPart)
            .where(SubmittedPart.smsc_key.in_(keys))
            # An upsert in the same transaction may have changed a row already loaded.
            .execution_options(populate_existing=True)
        )
        return list((await self._session.scalars(statement)).all())

    async def upsert_part(self, part: SubmittedPart) -> None:
        """Insert, or take over the key when the SMSC reuses an id for a newer part."""
        values = {
            "smsc_key": part.smsc_key,
            "smsc_message_id": part.smsc_message_id,
            "account_id": part.account_id,
            "message_id": part.message_id,
            "part_index": part.part_index,
            "submitted_at": part.submitted_at,
        }
        insert = upsert_insert(self._session, SubmittedPart).values(values)
        statement = insert.on_conflict_do_update(
            index_elements=[SubmittedPart.smsc_key],
            set_={name: insert.excluded[name] for name in values if name != "smsc_key"},
            # Forward only: a late duplicate of an older submission doesn't take the key back.
            where=SubmittedPart.submitted_at <= insert.excluded.submitted_at,
        )
        await self._session.execute(statement)

    async def add_pending(self, pending: PendingReceipt, keys: Sequence[str]) -> None:
        self._session.add(pending)
        await self._session.flush()
        self._session.add_all(
            PendingReceiptKey(pending_receipt_id=pending.id, smsc_key=key) for key in keys
        )

    async def pending_for_key(self, key: str, received_since: datetime) -> list[PendingReceipt]:
        statement = (
            select(PendingReceipt)
            .join(PendingReceiptKey, PendingReceiptKey.pending_receipt_id == PendingReceipt.id)
            .where(PendingReceiptKey.smsc_key == key, PendingReceipt.received_at >= received_since)
            .order_by(PendingReceipt.received_at, PendingReceipt.id)
        )
        return list((await self._session.scalars(statement)).all())

    async def delete_pending(self, ids: Sequence[UUID]) -> None:
        if not ids:
            return
        await self._session.execute(
            delete(PendingReceiptKey).where(PendingReceiptKey.pending_receipt_id.in_(ids))
        )
        await self._session.execute(delete(PendingReceipt).where(PendingReceipt.id.in_(ids)))

    async def add_record(self, record: ReceiptRecord) -> None:
        self._session.add(record)

    async def final_status_recorded(self, message_id: UUID, part_index: int, status: str) -> bool:
        statement = select(
            exists().where(
                ReceiptRecord.message_id == message_id,
                ReceiptRecord.part_index == part_index,
                ReceiptRecord.status == status,
            )
        )
        return bool(await self._session.scalar(statement))

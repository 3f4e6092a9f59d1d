from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select
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

    async def lock_keys(self, smsc: str, keys: Iterable[str]) -> None:
        """Serialise the receipt and the submit response of one id across replicas.

        Without it, a receipt handler on one replica (no part yet, stores it pending) and a
        part handler on another (no pending yet, stores the part) could both commit having
        missed each other, and the receipt would wait forever. Transaction-scoped advisory
        locks on the keys make the second one see the first. Two receipts that can match one
        part share that part's key, so they are serialised too (one final report per part).
        SQLite needs none: BEGIN IMMEDIATE already lets one writer at a time in.
        """
        if not is_postgres(self._session):
            return
        for key in sorted(set(keys)):  # one order everywhere keeps deadlocks rare
            lock_id = func.hashtextextended(f"dlr.smsc_key:{smsc}:{key}", 0)
            await self._session.execute(select(func.pg_advisory_xact_lock(lock_id)))

    async def parts_by_keys(self, smsc: str, keys: Sequence[str]) -> list[SubmittedPart]:
        statement = (
            select(SubmittedPart)
            .where(SubmittedPart.smsc == smsc, SubmittedPart.smsc_key.in_(keys))
            # An upsert in the same transaction may have changed a row already loaded.
            .execution_options(populate_existing=True)
        )
        return list((await self._session.scalars(statement)).all())

    async def upsert_part(self, part: SubmittedPart) -> None:
        """Insert, or take over the key when the SMSC reuses an id for a newer part."""
        values = {
            "smsc": part.smsc,
            "smsc_key": part.smsc_key,
            "smsc_message_id": part.smsc_message_id,
            "account_id": part.account_id,
            "message_id": part.message_id,
            "part_index": part.part_index,
            "submitted_at": part.submitted_at,
        }
        insert = upsert_insert(self._session, SubmittedPart).values(values)
        statement = insert.on_conflict_do_update(
            index_elements=[SubmittedPart.smsc, SubmittedPart.smsc_key],
            set_={
                name: insert.excluded[name] for name in values if name not in {"smsc", "smsc_key"}
            },
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

    async def pending_for_key(
        self, smsc: str, key: str, received_from: datetime, received_to: datetime
    ) -> list[PendingReceipt]:
        """Pending receipts of the link that may be for a part under `key`, locked: the
        sweeper skips them, and a second part handler waits and then finds them gone."""
        statement = (
            select(PendingReceipt)
            .join(PendingReceiptKey, PendingReceiptKey.pending_receipt_id == PendingReceipt.id)
            .where(
                PendingReceiptKey.smsc_key == key,
                PendingReceipt.smsc == smsc,
                PendingReceipt.received_at >= received_from,
                PendingReceipt.received_at <= received_to,
            )
            .order_by(PendingReceipt.received_at, PendingReceipt.id)
            .with_for_update(of=PendingReceipt)
        )
        return list((await self._session.scalars(statement)).all())

    async def stale_pending(self, received_before: datetime, limit: int) -> list[PendingReceipt]:
        """The oldest pending receipts received before the cut-off; rows a part handler holds
        are skipped, they are being resolved."""
        statement = (
            select(PendingReceipt)
            .where(PendingReceipt.received_at < received_before)
            .order_by(PendingReceipt.received_at, PendingReceipt.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
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

    async def reported_statuses(self, message_id: UUID, part_index: int) -> set[str]:
        """The final statuses matched receipts have given the part so far."""
        statement = (
            select(ReceiptRecord.status)
            .where(
                ReceiptRecord.message_id == message_id,
                ReceiptRecord.part_index == part_index,
                ReceiptRecord.status.is_not(None),
            )
            .distinct()
        )
        return {status for status in (await self._session.scalars(statement)).all() if status}

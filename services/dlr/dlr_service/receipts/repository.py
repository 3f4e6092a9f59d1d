"""All of dlr's SQL about receipts and submitted parts, set-based: each method serves a whole
run of events in one statement whatever its size."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.receipts import metrics
from dlr_service.receipts.models import (
    PendingReceipt,
    PendingReceiptKey,
    ReceiptRecord,
    SubmittedPart,
)
from shared.db import is_postgres, upsert_insert
from shared.metrics.staged import count_after_commit


class ReceiptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_keys(self, keys: Mapping[str, Collection[str]]) -> None:
        """Serialise the receipts and the submit responses of these ids (keys per SMSC
        link) across replicas, in one statement.

        Without it, a receipt handler on one replica (no part yet, stores it pending) and a
        part handler on another (no pending yet, stores the part) could both commit having
        missed each other, and the receipt would wait forever. Transaction-scoped advisory
        locks on the keys make the second one see the first. Two receipts that can match one
        part share that part's key, so they are serialised too (one final report per part).
        SQLite needs none: BEGIN IMMEDIATE already lets one writer at a time in.
        """
        if not is_postgres(self._session):
            return
        # One order everywhere keeps deadlocks rare; unnest hands the array out in order.
        names = sorted({f"dlr.smsc_key:{smsc}:{key}" for smsc in keys for key in keys[smsc]})
        if names:
            await self._session.execute(_LOCK_KEYS, {"names": names})

    async def parts_by_keys(
        self, keys: Mapping[str, Collection[str]]
    ) -> dict[tuple[str, str], SubmittedPart]:
        """The parts stored under these keys (per link), by (link, key)."""
        found: dict[tuple[str, str], SubmittedPart] = {}
        for smsc, link_keys in keys.items():
            if not link_keys:
                continue
            statement = (
                select(SubmittedPart)
                .where(SubmittedPart.smsc == smsc, SubmittedPart.smsc_key.in_(sorted(link_keys)))
                # An upsert in the same transaction may have changed a row already loaded.
                .execution_options(populate_existing=True)
            )
            for part in (await self._session.scalars(statement)).all():
                found[(part.smsc, part.smsc_key)] = part
        return found

    async def upsert_parts(self, parts: Collection[SubmittedPart]) -> None:
        """Insert, or take over the key when the SMSC reuses an id for a newer part. At most
        one part per (link, key): one statement can't change a row twice."""
        if not parts:
            return
        values = [
            {
                "smsc": part.smsc,
                "smsc_key": part.smsc_key,
                "smsc_message_id": part.smsc_message_id,
                "account_id": part.account_id,
                "message_id": part.message_id,
                "part_index": part.part_index,
                "submitted_at": part.submitted_at,
            }
            for part in parts
        ]
        # Executemany on the table: a multi-row VALUES would compile anew per run length.
        insert = upsert_insert(self._session, SubmittedPart.__table__)
        statement = insert.on_conflict_do_update(
            index_elements=["smsc", "smsc_key"],
            set_={
                name: insert.excluded[name]
                for name in values[0]
                if name not in {"smsc", "smsc_key"}
            },
            # Forward only: a late duplicate of an older submission doesn't take the key back.
            where=insert.table.c.submitted_at <= insert.excluded.submitted_at,
        )
        await self._session.execute(statement, values)

    def add_pending(self, pending: PendingReceipt, keys: Sequence[str]) -> None:
        count_after_commit(self._session, metrics.RECEIPTS.labels("pending"))
        pending.id = pending.id or uuid4()  # set here, so no flush is needed for its keys
        self._session.add(pending)
        self._session.add_all(
            PendingReceiptKey(pending_receipt_id=pending.id, smsc_key=key) for key in keys
        )

    async def pending_for_keys(
        self, keys: Mapping[str, Collection[str]]
    ) -> list[tuple[PendingReceipt, str]]:
        """Pending receipts that may be for a part under one of the keys (per link), each
        with the key it was found under, oldest first, locked: the sweeper skips them, and a
        second part handler waits and then finds them gone."""
        found: list[tuple[PendingReceipt, str]] = []
        for smsc, link_keys in keys.items():
            if not link_keys:
                continue
            statement = (
                select(PendingReceipt, PendingReceiptKey.smsc_key)
                .join(PendingReceiptKey, PendingReceiptKey.pending_receipt_id == PendingReceipt.id)
                .where(
                    PendingReceiptKey.smsc_key.in_(sorted(link_keys)),
                    PendingReceipt.smsc == smsc,
                )
                .order_by(PendingReceipt.received_at, PendingReceipt.id)
                .with_for_update(of=PendingReceipt)
            )
            found.extend((row, key) for row, key in (await self._session.execute(statement)).all())
        return found

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
        count_after_commit(self._session, metrics.RECEIPTS.labels(record.match_status))

    async def reported_statuses(
        self, parts: Collection[tuple[UUID, int]]
    ) -> dict[tuple[UUID, int], set[str]]:
        """The final statuses matched receipts have given each part so far."""
        reported: dict[tuple[UUID, int], set[str]] = defaultdict(set)
        if not parts:
            return reported
        statement = (
            select(ReceiptRecord.message_id, ReceiptRecord.part_index, ReceiptRecord.status)
            .where(
                tuple_(ReceiptRecord.message_id, ReceiptRecord.part_index).in_(sorted(parts)),
                ReceiptRecord.status.is_not(None),
            )
            .distinct()
        )
        for message_id, part_index, status in (await self._session.execute(statement)).all():
            if message_id is not None and part_index is not None and status:
                reported[(message_id, part_index)].add(status)
        return reported


_LOCK_KEYS = text(
    "SELECT pg_advisory_xact_lock(hashtextextended(name, 0))"
    " FROM unnest(CAST(:names AS text[])) AS name"
)

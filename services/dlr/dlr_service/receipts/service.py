"""Matching receipts to submitted parts, in whichever order the two arrive."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import Outbox
from dlr_service.receipts.ids import candidates, normalise
from dlr_service.receipts.models import PendingReceipt, ReceiptRecord, SubmittedPart
from dlr_service.receipts.parsing import Receipt, parse_receipt
from dlr_service.receipts.repository import ReceiptRepository
from dlr_service.receipts.states import MessageState
from shared.events import DeliverSmReceived, MessagePartStatusReported, MessagePartSubmitted
from shared.outbox import add_event

log = logging.getLogger(__name__)

# A receipt can beat the submit response by the response's round trip, never by much more.
# Older pending receipts are not offered to a new part: SMSCs recycle ids, and a receipt
# whose part never came must not be pinned on the next part that happens to get its id.
PENDING_RECEIPT_WINDOW = timedelta(minutes=10)


async def record_receipt(session: AsyncSession, event: DeliverSmReceived) -> None:
    receipt = parse_receipt(event)
    repository = ReceiptRepository(session)
    if receipt.smsc_message_id is None:
        # Nothing to match on, ever: keep it for the record rather than retry or lose it.
        log.warning("receipt without a message id: %r", event.text[:200])
        await repository.add_record(_record(receipt, None, event.text, event.received_at))
        return
    keys = candidates(receipt.smsc_message_id)
    await repository.lock_keys(keys)
    part = _best_match(keys, await repository.parts_by_keys(keys))
    if part is None:
        # The SMSC sent the receipt before (or with) its submit_sm_resp, so dispatch hasn't
        # told us about the part yet; the part's arrival resolves it.
        await repository.add_pending(_pending(receipt, event), keys)
        return
    await _apply(session, part, receipt, event.text, event.received_at)


async def record_part_submitted(session: AsyncSession, event: MessagePartSubmitted) -> None:
    key = normalise(event.smsc_message_id)
    repository = ReceiptRepository(session)
    await repository.lock_keys([key])
    part = SubmittedPart(
        smsc_key=key,
        smsc_message_id=event.smsc_message_id,
        account_id=event.account_id,
        message_id=event.message_id,
        part_index=event.part_index,
        submitted_at=event.submitted_at,
    )
    await repository.upsert_part(part)
    # Read back: a late duplicate of an older submission leaves the key with the newer part.
    (current,) = await repository.parts_by_keys([key])
    since = current.submitted_at - PENDING_RECEIPT_WINDOW
    pending = await repository.pending_for_key(key, since)
    for row in pending:
        await _apply(session, current, _from_pending(row), row.raw_text, _as_utc(row.received_at))
    await repository.delete_pending([row.id for row in pending])


async def _apply(
    session: AsyncSession, part: SubmittedPart, receipt: Receipt, raw_text: str, at: datetime
) -> None:
    """Record a matched receipt and, if it is a new final status, report it to dispatch."""
    repository = ReceiptRepository(session)
    status = receipt.status
    # Checked before recording this one, which would otherwise find itself.
    repeated = status is not None and await repository.final_status_recorded(
        part.message_id, part.part_index, status
    )
    await repository.add_record(_record(receipt, part, raw_text, at))
    if status is None or repeated:
        return
    report = MessagePartStatusReported(
        account_id=part.account_id,
        message_id=part.message_id,
        part_index=part.part_index,
        smsc_message_id=part.smsc_message_id,
        status=status,
        error_code=receipt.error_code,
        reported_at=at,
    )
    add_event(session, Outbox, report)


def _best_match(keys: list[str], parts: list[SubmittedPart]) -> SubmittedPart | None:
    by_key = {part.smsc_key: part for part in parts}
    return next((by_key[key] for key in keys if key in by_key), None)


def _record(
    receipt: Receipt, part: SubmittedPart | None, raw_text: str, at: datetime
) -> ReceiptRecord:
    return ReceiptRecord(
        account_id=part.account_id if part else None,
        message_id=part.message_id if part else None,
        part_index=part.part_index if part else None,
        smsc_message_id=receipt.smsc_message_id,
        state=receipt.state.name,
        status=receipt.status,
        error_code=receipt.error_code,
        intermediate=receipt.intermediate,
        done_at=receipt.done_at,
        raw_text=raw_text,
        received_at=at,
    )


def _pending(receipt: Receipt, event: DeliverSmReceived) -> PendingReceipt:
    assert receipt.smsc_message_id is not None
    return PendingReceipt(
        smsc_message_id=receipt.smsc_message_id,
        state=receipt.state.name,
        error_code=receipt.error_code,
        done_at=receipt.done_at,
        raw_text=event.text,
        received_at=event.received_at,
    )


def _from_pending(row: PendingReceipt) -> Receipt:
    return Receipt(
        smsc_message_id=row.smsc_message_id,
        state=MessageState[row.state],
        error_code=row.error_code,
        done_at=row.done_at,
    )


def _as_utc(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)

"""Matching receipts to submitted parts, in whichever order the two arrive."""

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import Outbox
from dlr_service.receipts.ids import candidates, normalise
from dlr_service.receipts.matching import Match, MatchWindow, choose
from dlr_service.receipts.models import MatchStatus, PendingReceipt, ReceiptRecord, SubmittedPart
from dlr_service.receipts.parsing import Receipt, parse_receipt
from dlr_service.receipts.repository import ReceiptRepository
from dlr_service.receipts.states import MessageState, is_news
from shared.events import DeliverSmReceived, MessagePartStatusReported, MessagePartSubmitted
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def record_receipt(
    session: AsyncSession, event: DeliverSmReceived, window: MatchWindow
) -> None:
    receipt = parse_receipt(event)
    repository = ReceiptRepository(session)
    if receipt.smsc_message_id is None:
        # Nothing to match on, ever: keep it for the record rather than retry or lose it.
        log.warning("receipt without a message id: %r", receipt.raw_text[:200])
        await repository.add_record(_record(receipt, event.smsc, event.received_at, "unidentified"))
        return
    keys = candidates(receipt.smsc_message_id)
    await repository.lock_keys(event.smsc, keys)
    parts = await repository.parts_by_keys(event.smsc, keys)
    match = choose(receipt.smsc_message_id, parts, event.received_at, window)
    if match.part is None and not match.ambiguous:
        # The SMSC sent the receipt before (or with) its submit_sm_resp, or the part's event
        # is late: the part's arrival resolves it. If it never comes, the sweeper moves the
        # receipt to the unmatched records after a while.
        await repository.add_pending(_pending(receipt, event), keys)
        return
    await _resolve(session, match, receipt, event.smsc, event.received_at)


async def record_part_submitted(
    session: AsyncSession, event: MessagePartSubmitted, window: MatchWindow
) -> None:
    key = normalise(event.smsc_message_id)
    repository = ReceiptRepository(session)
    await repository.lock_keys(event.smsc, [key])
    part = SubmittedPart(
        smsc=event.smsc,
        smsc_key=key,
        smsc_message_id=event.smsc_message_id,
        account_id=event.account_id,
        message_id=event.message_id,
        part_index=event.part_index,
        submitted_at=event.submitted_at,
    )
    await repository.upsert_part(part)
    # Read back: a late duplicate of an older submission leaves the key with the newer part.
    (current,) = await repository.parts_by_keys(event.smsc, [key])
    # The receipts that window.admits(current.submitted_at, received_at) would accept.
    pending = await repository.pending_for_key(
        event.smsc,
        key,
        received_from=current.submitted_at - window.after,
        received_to=current.submitted_at + window.before,
    )
    resolved = []
    for row in pending:
        parts = await repository.parts_by_keys(row.smsc, candidates(row.smsc_message_id))
        match = choose(row.smsc_message_id, parts, row.received_at, window)
        if match.part is None and not match.ambiguous:
            continue
        await _resolve(session, match, _from_pending(row), row.smsc, row.received_at)
        resolved.append(row.id)
    await repository.delete_pending(resolved)


async def _resolve(
    session: AsyncSession, match: Match, receipt: Receipt, smsc: str, at: datetime
) -> None:
    if match.part is not None:
        await _apply(session, match.part, receipt, smsc, at)
        return
    log.warning(
        "receipt for %r on %s fits %d parts equally well; not applied",
        receipt.smsc_message_id,
        smsc,
        len(match.ambiguous),
    )
    record = _record(receipt, smsc, at, "ambiguous")
    record.candidates = [_candidate(part) for part in match.ambiguous]
    await ReceiptRepository(session).add_record(record)


async def _apply(
    session: AsyncSession, part: SubmittedPart, receipt: Receipt, smsc: str, at: datetime
) -> None:
    """Record a matched receipt and, if it is news for the part, report it to dispatch."""
    repository = ReceiptRepository(session)
    status = receipt.status
    # Read before recording this one, which would otherwise find itself.
    before = await repository.reported_statuses(part.message_id, part.part_index)
    record = _record(receipt, smsc, at, "matched")
    record.account_id, record.message_id = part.account_id, part.message_id
    record.part_index = part.part_index
    await repository.add_record(record)
    if status is None or not is_news(status, before):
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


def _record(receipt: Receipt, smsc: str, at: datetime, outcome: MatchStatus) -> ReceiptRecord:
    return ReceiptRecord(
        match_status=outcome,
        smsc=smsc,
        account_id=None,
        message_id=None,
        part_index=None,
        smsc_message_id=receipt.smsc_message_id,
        state=receipt.state.name,
        status=receipt.status,
        error_code=receipt.error_code,
        intermediate=receipt.intermediate,
        done_at=receipt.done_at,
        raw_text=receipt.raw_text,
        received_at=at,
    )


def _candidate(part: SubmittedPart) -> dict[str, Any]:
    return {
        "account_id": str(part.account_id),
        "message_id": str(part.message_id),
        "part_index": part.part_index,
        "smsc_message_id": part.smsc_message_id,
        "submitted_at": part.submitted_at.isoformat(),
    }


def _pending(receipt: Receipt, event: DeliverSmReceived) -> PendingReceipt:
    assert receipt.smsc_message_id is not None
    return PendingReceipt(
        smsc=event.smsc,
        smsc_message_id=receipt.smsc_message_id,
        state=receipt.state.name,
        error_code=receipt.error_code,
        done_at=receipt.done_at,
        raw_text=receipt.raw_text,
        received_at=event.received_at,
    )


def _from_pending(row: PendingReceipt) -> Receipt:
    return Receipt(
        smsc_message_id=row.smsc_message_id,
        state=MessageState[row.state],
        error_code=row.error_code,
        done_at=row.done_at,
        raw_text=row.raw_text,
    )


async def sweep_pending(session: AsyncSession, received_before: datetime, limit: int) -> int:
    """Move up to `limit` pending receipts received before the cut-off to the records as
    `unmatched`: kept for review, no longer offered to arriving parts. Returns how many."""
    repository = ReceiptRepository(session)
    stale = await repository.stale_pending(received_before, limit)
    for row in stale:
        await repository.add_record(
            _record(_from_pending(row), row.smsc, row.received_at, "unmatched")
        )
    await repository.delete_pending([row.id for row in stale])
    return len(stale)

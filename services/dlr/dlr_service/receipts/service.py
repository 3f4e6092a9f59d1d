"""Matching receipts to submitted parts, in whichever order the two arrive.

Each entry point takes every event of its kind in a run of the consumer's batch and does
the run's reads and writes in a few statements; a lock, two lookups and an insert per event
were most of dlr's CPU under load. Events of one run are applied in order, so a receipt and
its duplicate in one run still give one report.
"""

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import Outbox
from dlr_service.privacy import recipients
from dlr_service.receipts import metrics
from dlr_service.receipts.ids import candidates, normalise
from dlr_service.receipts.matching import Match, MatchWindow, choose
from dlr_service.receipts.models import MatchStatus, PendingReceipt, ReceiptRecord, SubmittedPart
from dlr_service.receipts.parsing import Receipt, parse_receipt
from dlr_service.receipts.repository import ReceiptRepository
from dlr_service.receipts.states import MessageState, is_news
from dlr_service.webhooks import enqueue as webhooks
from shared.erasure import REDACTED_TEXT
from shared.events import DeliverSmReceived, MessagePartStatusReported, MessagePartSubmitted
from shared.metrics.staged import count_after_commit
from shared.outbox import add_event

log = logging.getLogger(__name__)

LinkKeys = dict[str, set[str]]  # SMSC link → keys


@dataclass(frozen=True)
class _Found:
    """A receipt whose part (or parts, if ambiguous) is known: ready to apply."""

    match: Match
    receipt: Receipt
    smsc: str
    received_at: datetime
    # The deliver_sm it came in, when it matched at once: the status report joins its trace.
    cause: DeliverSmReceived | None = None


async def record_receipts(
    session: AsyncSession, events: Sequence[DeliverSmReceived], window: MatchWindow
) -> None:
    repository = ReceiptRepository(session)
    identified: list[tuple[DeliverSmReceived, Receipt, list[str]]] = []
    for event in events:
        receipt = parse_receipt(event)
        if receipt.smsc_message_id is None:
            # Nothing to match on, ever: keep it for the record rather than retry or lose it.
            # Not its text: a receipt's `text:` field quotes the message's first characters.
            log.warning("receipt without a message id on link %s", event.smsc)
            await repository.add_record(
                _record(receipt, event.smsc, event.received_at, "unidentified")
            )
            continue
        identified.append((event, receipt, candidates(receipt.smsc_message_id)))
    keys: LinkKeys = defaultdict(set)
    for event, _, receipt_keys in identified:
        keys[event.smsc].update(receipt_keys)
    await repository.lock_keys(keys)
    parts = await repository.parts_by_keys(keys)
    found = []
    for event, receipt, receipt_keys in identified:
        assert receipt.smsc_message_id is not None
        match = choose(
            receipt.smsc_message_id,
            _parts_under(parts, event.smsc, receipt_keys),
            event.received_at,
            window,
        )
        if match.part is None and not match.ambiguous:
            # The SMSC sent the receipt before (or with) its submit_sm_resp, or the part's
            # event is late: the part's arrival resolves it. If it never comes, the sweeper
            # moves the receipt to the unmatched records after a while.
            repository.add_pending(_pending(receipt, event), receipt_keys)
            continue
        found.append(_Found(match, receipt, event.smsc, event.received_at, event))
    await _resolve(session, repository, found)


async def record_parts_submitted(
    session: AsyncSession, events: Sequence[MessagePartSubmitted], window: MatchWindow
) -> None:
    repository = ReceiptRepository(session)
    latest: dict[tuple[str, str], SubmittedPart] = {}
    for event in events:
        part = SubmittedPart(
            smsc=event.smsc,
            smsc_key=normalise(event.smsc_message_id),
            smsc_message_id=event.smsc_message_id,
            account_id=event.account_id,
            message_id=event.message_id,
            part_index=event.part_index,
            submitted_at=event.submitted_at,
        )
        # An id the SMSC reused within the run: the newer submission holds the key.
        held = latest.get((part.smsc, part.smsc_key))
        if held is None or held.submitted_at <= part.submitted_at:
            latest[(part.smsc, part.smsc_key)] = part
    keys: LinkKeys = defaultdict(set)
    for smsc, key in latest:
        keys[smsc].add(key)
    await repository.lock_keys(keys)
    await repository.upsert_parts(list(latest.values()))
    # Read back: a late duplicate of an older submission leaves the key with the newer part.
    current = await repository.parts_by_keys(keys)
    waiting = _in_window(await repository.pending_for_keys(keys), current, window)
    # A pending receipt may also fit parts under its other id forms, outside this run.
    other_keys: LinkKeys = defaultdict(set)
    for row in waiting:
        other_keys[row.smsc].update(candidates(row.smsc_message_id))
    parts = await repository.parts_by_keys(other_keys)
    found, resolved = [], []
    for row in waiting:
        match = choose(
            row.smsc_message_id,
            _parts_under(parts, row.smsc, candidates(row.smsc_message_id)),
            row.received_at,
            window,
        )
        if match.part is None and not match.ambiguous:
            continue
        found.append(_Found(match, _from_pending(row), row.smsc, row.received_at))
        resolved.append(row.id)
    await _resolve(session, repository, found)
    await repository.delete_pending(resolved)


def _parts_under(
    parts: dict[tuple[str, str], SubmittedPart], smsc: str, keys: Iterable[str]
) -> list[SubmittedPart]:
    return [parts[(smsc, key)] for key in keys if (smsc, key) in parts]


def _in_window(
    rows: Sequence[tuple[PendingReceipt, str]],
    parts: dict[tuple[str, str], SubmittedPart],
    window: MatchWindow,
) -> list[PendingReceipt]:
    """The pending receipts that one of the run's parts could take: found under its key and
    received within the window around its submission. Oldest first, each once."""
    waiting: dict[UUID, PendingReceipt] = {}
    for row, key in rows:
        part = parts.get((row.smsc, key))
        if part is not None and window.admits(part.submitted_at, row.received_at):
            waiting.setdefault(row.id, row)
    return list(waiting.values())


async def _resolve(
    session: AsyncSession, repository: ReceiptRepository, found: Collection[_Found]
) -> None:
    reported = await repository.reported_statuses(
        {(f.match.part.message_id, f.match.part.part_index) for f in found if f.match.part}
    )
    await webhooks.prefetch_callbacks(
        session, {f.match.part.message_id for f in found if f.match.part}
    )
    # A receipt of a message whose number was erased (replayed, or late) keeps its status
    # but not the SMSC's text, which can quote the message.
    erased = await recipients.erased(
        session,
        {part.message_id for f in found for part in (f.match.part, *f.match.ambiguous) if part},
    )
    for item in found:
        match, receipt = item.match, item.receipt
        if match.part is None:
            log.warning(
                "receipt for %r on %s fits %d parts equally well; not applied",
                receipt.smsc_message_id,
                item.smsc,
                len(match.ambiguous),
            )
            record = _record(receipt, item.smsc, item.received_at, "ambiguous")
            record.candidates = [_candidate(part) for part in match.ambiguous]
            if any(part.message_id in erased for part in match.ambiguous):
                record.raw_text = REDACTED_TEXT
            await repository.add_record(record)
            continue
        before = reported[(match.part.message_id, match.part.part_index)]
        await _apply(session, repository, match.part, item, before, match.part.message_id in erased)
        if receipt.status is not None:
            before.add(receipt.status)


async def _apply(
    session: AsyncSession,
    repository: ReceiptRepository,
    part: SubmittedPart,
    item: _Found,
    before: set[str],
    erased: bool,
) -> None:
    """Record a matched receipt and, if it is news for the part, report it to dispatch."""
    receipt, status = item.receipt, item.receipt.status
    record = _record(receipt, item.smsc, item.received_at, "matched")
    if erased:
        record.raw_text = REDACTED_TEXT
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
        reported_at=item.received_at,
    )
    add_event(session, Outbox, report, cause=item.cause)
    count_after_commit(session, metrics.REPORTED.labels(status))
    await webhooks.status_reported(session, report)


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

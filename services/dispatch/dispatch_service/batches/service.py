"""Bulk intake: every entry meets the single-message rules; the valid ones are stored
together with one `batch.accepted` event, so billing can take the whole batch or none."""

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.backlog.service import BacklogGate
from dispatch_service.batches import repository
from dispatch_service.batches.models import Batch
from dispatch_service.batches.schemas import (
    BatchEntry,
    BatchMessage,
    BatchResponse,
    RejectedEntry,
    SendBatchRequest,
)
from dispatch_service.config import DispatchSettings
from dispatch_service.consent import service as consent
from dispatch_service.consent.service import Purpose, RecipientOptedOut
from dispatch_service.db import Outbox
from dispatch_service.destinations.gate import DestinationGate, refusal_detail
from dispatch_service.messages import metrics as message_metrics
from dispatch_service.messages import repository as messages_repository
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.messages.service import CheckedMessage, check_callback_url, check_message
from dispatch_service.messages.status import MessageStatus
from dispatch_service.scheduling.intake import due_time
from dispatch_service.senders.intake import SenderGate
from dispatch_service.tariffs.gate import TariffGate
from dispatch_service.trial import service as trial_caps
from dispatch_service.windows.models import SendingWindow
from dispatch_service.windows.service import held_until
from shared.errors import ProblemError
from shared.events import BatchAccepted, BatchedMessage, utcnow
from shared.outbox import add_event
from shared.text import INVALID_TEXT


class BatchRejected(ProblemError):
    def __init__(self, rejected: list[RejectedEntry]) -> None:
        super().__init__(
            422,
            "batch_rejected",
            "Batch rejected",
            f"none of the {len(rejected)} entries can be sent; `rejected` says why",
            rejected=[entry.model_dump() for entry in rejected],
        )


class BatchIdempotencyKeyReused(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "idempotency_key_reused",
            "Idempotency key reused",
            "this Idempotency-Key was already used for a different batch",
        )


async def send_batch(
    session: AsyncSession,
    settings: DispatchSettings,
    account_id: UUID,
    request: SendBatchRequest,
    idempotency_key: str | None = None,
    backlog: BacklogGate | None = None,
    senders: SenderGate | None = None,
    held: Collection[int] = (),
    trial: bool = False,
    refused: Mapping[int, RejectedEntry] | None = None,
    window: SendingWindow | None = None,
    tariffs: TariffGate | None = None,
    destinations: DestinationGate | None = None,
) -> tuple[BatchResponse, bool]:
    """Accept a batch. Returns the answer and whether the batch was created just now
    (False: a retry with the same Idempotency-Key, answered with the original batch). A
    `trial` account's batch goes whole to test ranges within its daily cap, or not at all.

    `held`: the indexes of entries the content policy wants an operator to review: stored
    `held`, and left out of `batch.accepted` (each goes as `message.accepted` once approved).
    `refused`: entries already refused by templates.intake, by index."""
    check_callback_url(settings, request.callback_url)
    request_hash = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    if idempotency_key is not None:
        original = await repository.get_by_idempotency_key(session, account_id, idempotency_key)
        if original is not None:
            return await _replayed(session, original, request_hash), False
    if senders is not None:
        # The request's sender (or the account's default) fills in for entries without one.
        sender = await senders.sender_for(session, account_id, request.sender)
        request = request.model_copy(update={"sender": sender})
    checked, rejected = check_entries(settings, request.entries(), refused or {})
    if senders is not None:
        checked, unapproved = await senders.screen(session, account_id, checked)
        rejected = sorted([*rejected, *unapproved], key=lambda entry: entry.index)
    checked, opted_out = await _screen_consent(session, account_id, checked, request.purpose)
    rejected = sorted([*rejected, *opted_out], key=lambda entry: entry.index)
    if destinations is not None:
        await destinations.load_account(session, account_id)
        checked, blocked = _screen_destinations(destinations, account_id, checked)
        rejected = sorted([*rejected, *blocked], key=lambda entry: entry.index)
    if tariffs is not None:
        checked, unpriced = await _screen_tariffs(session, tariffs, account_id, checked)
        rejected = sorted([*rejected, *unpriced], key=lambda entry: entry.index)
    if not checked:
        raise BatchRejected(rejected)
    now = utcnow()
    send_at = due_time(request.send_at, now)
    # Per message: the sending window depends on each recipient's time zone.
    send_times = {index: held_until(window, c.phone, send_at, now) for index, _, c in checked}
    if trial:
        trial_caps.check_destinations(settings, [c.phone.e164 for _, _, c in checked])
    if backlog is not None:
        # The whole batch or none of it, as billing takes it. Scheduled messages join the
        # backlog one by one as each is released.
        now_parts = sum(c.split.segments for i, _, c in checked if send_times[i] is None)
        if now_parts:
            await backlog.admit(session, account_id, now_parts)
    batch = Batch(
        id=uuid4(),
        account_id=account_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        accepted=len(checked),
        rejected=json.dumps([entry.model_dump() for entry in rejected]),
        created_at=utcnow(),
    )
    if not await repository.add(session, batch):
        assert idempotency_key is not None, "only the idempotency key can collide"
        original = await repository.get_by_idempotency_key(session, account_id, idempotency_key)
        assert original is not None
        return await _replayed(session, original, request_hash), False
    if trial:
        # Each recipient accepted counts; only now that it is known not to be a replay.
        await trial_caps.count(session, settings, account_id, len(checked))
    timing = _Timing(send_times, request.validity_period)
    messages = await _store_messages(
        session, batch, checked, held, request.purpose, timing, request.callback_url
    )
    # _store_messages answers in the order of `checked`.
    to_charge = [
        BatchedMessage(
            message_id=message.id, segments=message.segments, to=message.to, sender=entry.sender
        )
        for message, (_, _, entry) in zip(messages, checked, strict=True)
        if message.status == "accepted"
    ]
    if to_charge:
        add_event(
            session,
            Outbox,
            BatchAccepted(
                account_id=account_id,
                batch_id=batch.id,
                messages=to_charge,
                callback_url=request.callback_url,
            ),
        )
    return BatchResponse(
        batch_id=batch.id, accepted=len(messages), rejected=rejected, messages=messages
    ), True


@dataclass(frozen=True)
class _Timing:
    send_at: Mapping[int, datetime | None]  # by entry index
    validity_period: int | None


async def _screen_consent(
    session: AsyncSession,
    account_id: UUID,
    checked: list[tuple[int, str, CheckedMessage]],
    purpose: Purpose,
) -> tuple[list[tuple[int, str, CheckedMessage]], list[RejectedEntry]]:
    """Entries to numbers that opted out of the account's marketing are rejected, one query
    for the whole batch."""
    refused = await consent.opted_out(
        session, account_id, [c.phone.e164 for _, _, c in checked], purpose
    )
    if not refused:
        return checked, []
    kept = [entry for entry in checked if entry[2].phone.e164 not in refused]
    rejected = [
        RejectedEntry(index=index, code=consent.OPTED_OUT, detail=RecipientOptedOut().detail or "")
        for index, _, c in checked
        if c.phone.e164 in refused
    ]
    return kept, rejected


def _screen_destinations(
    destinations: DestinationGate,
    account_id: UUID,
    checked: list[tuple[int, str, CheckedMessage]],
) -> tuple[list[tuple[int, str, CheckedMessage]], list[RejectedEntry]]:
    """Entries the account may send to, and the others refused one by one with
    `destination_blocked` or `country_not_allowed`."""
    kept: list[tuple[int, str, CheckedMessage]] = []
    refused: list[RejectedEntry] = []
    for entry in checked:
        phone = entry[2].phone
        refusal = destinations.refusal(account_id, phone)
        if refusal is None:
            kept.append(entry)
        else:
            detail = refusal_detail(refusal, phone.e164)
            refused.append(RejectedEntry(index=entry[0], code=refusal.code, detail=detail))
    return kept, refused


async def _screen_tariffs(
    session: AsyncSession,
    tariffs: TariffGate,
    account_id: UUID,
    checked: list[tuple[int, str, CheckedMessage]],
) -> tuple[list[tuple[int, str, CheckedMessage]], list[RejectedEntry]]:
    """Entries whose destination the account's tariff prices, and the others refused
    `no_tariff` one by one: billing would decline the whole batch for one of them."""
    unpriced = await tariffs.unpriced(session, account_id, {c.phone.e164 for _, _, c in checked})
    if not unpriced:
        return checked, []
    refused = [
        RejectedEntry(
            index=index,
            code="no_tariff",
            detail=f"The account's tariff has no price for {c.phone.e164}",
        )
        for index, _, c in checked
        if c.phone.e164 in unpriced
    ]
    return [entry for entry in checked if entry[2].phone.e164 not in unpriced], refused


def check_entries(
    settings: DispatchSettings,
    entries: list[BatchEntry],
    refused: Mapping[int, RejectedEntry],
) -> tuple[list[tuple[int, str, CheckedMessage]], list[RejectedEntry]]:
    checked: list[tuple[int, str, CheckedMessage]] = []
    rejected: list[RejectedEntry] = []
    for index, entry in enumerate(entries):
        if index in refused:
            rejected.append(refused[index])
            continue
        try:
            single = SendMessageRequest.model_validate(entry.model_dump())
            checked.append((index, single.rendered_text(), check_message(settings, single)))
        except ValidationError as exc:
            rejected.append(_invalid(index, exc))
        except ProblemError as exc:
            rejected.append(RejectedEntry(index=index, code=exc.code, detail=exc.detail or ""))
    return checked, rejected


def _invalid(index: int, exc: ValidationError) -> RejectedEntry:
    # As the single endpoint answers: invalid_text when that is all that is wrong. Never
    # pydantic's `input`: it would echo the text back.
    errors = exc.errors(include_input=False)
    types = {error["type"] for error in errors}
    code = INVALID_TEXT if types == {INVALID_TEXT} else "validation_error"
    detail = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in errors)
    return RejectedEntry(index=index, code=code, detail=detail)


async def _store_messages(
    session: AsyncSession,
    batch: Batch,
    checked: list[tuple[int, str, CheckedMessage]],
    held: Collection[int],
    purpose: Purpose,
    timing: "_Timing",
    callback_url: str | None = None,
) -> list[BatchMessage]:
    long_messages = Counter(c.phone.e164 for _, _, c in checked if c.split.segments > 1)
    references = await messages_repository.next_concat_references(session, long_messages)
    messages: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    answer: list[BatchMessage] = []
    for index, text, message in checked:
        message_id, split = uuid4(), message.split
        to_number = message.phone.e164
        status: MessageStatus = (
            "held"
            if index in held
            else "accepted"
            if timing.send_at[index] is None
            else "scheduled"
        )
        messages.append(
            {
                "id": message_id,
                "account_id": batch.account_id,
                "to_number": to_number,
                "sender": message.sender,
                "text": text,
                "encoding": split.encoding,
                "segments": split.segments,
                "purpose": purpose,
                "send_at": timing.send_at[index],
                "validity_period": timing.validity_period,
                # Single parts carry no UDH; each long one takes its number's next reference.
                "concat_reference": references[to_number].pop(0) if split.segments > 1 else 0,
                "status": status,
                "batch_id": batch.id,
                "batch_index": index,
                "callback_url": callback_url,
                "created_at": batch.created_at,
                "updated_at": batch.created_at,
            }
        )
        parts.extend(
            {
                "message_id": message_id,
                "part_index": part_index,
                "text": part_text,
                "status": "pending" if timing.send_at[index] is None else "scheduled",
                "attempts": 0,
                "answered_attempts": 0,
                "resent_unanswered": 0,
            }
            for part_index, part_text in enumerate(split.parts, start=1)
        )
        events.extend(
            {
                "message_id": message_id,
                "part_index": part_index,
                "account_id": batch.account_id,
                "status": "pending" if timing.send_at[index] is None else "scheduled",
                "occurred_at": batch.created_at,
            }
            for part_index in range(1, len(split.parts) + 1)
        )
        answer.append(
            BatchMessage(
                id=message_id,
                to=to_number,
                encoding=split.encoding,
                segments=split.segments,
                status=status,
            )
        )
    await repository.insert_messages(session, messages, parts, events)
    message_metrics.accepted(session, [(row["encoding"], row["segments"]) for row in messages])
    return answer


async def _replayed(session: AsyncSession, original: Batch, request_hash: str) -> BatchResponse:
    # Answering a different batch with the original would hide a client bug (a key reused
    # across batches) behind a success.
    if original.request_hash != request_hash:
        raise BatchIdempotencyKeyReused()
    rows = await repository.messages_of(session, original.account_id, original.id)
    return BatchResponse(
        batch_id=original.id,
        accepted=original.accepted,
        rejected=[RejectedEntry.model_validate(entry) for entry in json.loads(original.rejected)],
        messages=[
            BatchMessage(id=id_, to=to, encoding=encoding, segments=segments, status=status)
            for id_, to, encoding, segments, status in rows
        ],
    )

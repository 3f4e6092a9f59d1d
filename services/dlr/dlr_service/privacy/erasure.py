"""dlr's part of an erasure (R17): the number's replies keep their ids and times but lose
their number and text; which account last wrote to it is forgotten; webhook events (kept for
replays) lose the number and the texts beside it."""

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import ErasedNumber, Outbox
from dlr_service.inbound.models import InboundMessage, InboundPart, LastSend
from dlr_service.numbers.models import AssignedNumber
from dlr_service.privacy import recipients
from dlr_service.receipts.ids import candidates
from dlr_service.receipts.models import (
    PendingReceipt,
    PendingReceiptKey,
    ReceiptRecord,
    SubmittedPart,
)
from dlr_service.webhooks.models import WebhookAttempt, WebhookEvent
from shared.erasure import (
    REDACTED_NUMBER,
    REDACTED_TEXT,
    digest,
    redact_json,
    scrub_outbox,
)
from shared.events import PrivacyErasureRequested, utcnow

# Ids per IN list: a number's messages can be many.
_IN_CHUNK = 1000

# What the vacuum after an erasure covers.
TABLES = (
    "inbound_messages",
    "inbound_parts",
    "last_sends",
    "receipts",
    "pending_receipts",
    "message_recipients",
    "webhook_events",
    "webhook_attempts",
    "outbox",
)


async def on_erasure_requested(session: AsyncSession, event: PrivacyErasureRequested) -> None:
    account_id, phone = event.account_id, event.phone
    # Before the number's last sends go: they tell which waiting parts are this account's.
    parts = await _erase_parts(session, account_id, phone)
    inbound = await session.execute(
        update(InboundMessage)
        .where(InboundMessage.account_id == account_id, InboundMessage.from_number == phone)
        .values(from_number=REDACTED_NUMBER, text=REDACTED_TEXT, raw_hex=None)
    )
    sends = await session.execute(
        delete(LastSend).where(LastSend.account_id == account_id, LastSend.recipient == phone)
    )
    webhook_events = (
        await session.scalars(
            select(WebhookEvent).where(
                WebhookEvent.account_id == account_id,
                cast(WebhookEvent.payload, Text).like(f"%{phone}%"),
            )
        )
    ).all()
    for webhook_event in webhook_events:
        payload: Any = redact_json(webhook_event.payload, phone)
        webhook_event.payload = payload
    rows = (
        inbound.rowcount  # type: ignore[attr-defined]
        + sends.rowcount  # type: ignore[attr-defined]
        + parts
        + await _erase_receipts(session, account_id, phone)
        + await _erase_attempts(session, account_id, phone)
        + len(webhook_events)
        + await scrub_outbox(session, Outbox, phone)
    )
    session.add(
        ErasedNumber(
            erasure_id=event.erasure_id,
            account_id=account_id,
            number_digest=digest(account_id, phone),
            rows=rows,
            erased_at=utcnow(),
        )
    )


def _naming(column: Any, phone: str) -> Any:
    # SMSCs write addresses with or without the +.
    return column.like(f"%{phone[1:]}%")


def _without(column: Any, phone: str) -> Any:
    return func.replace(func.replace(column, phone, REDACTED_NUMBER), phone[1:], REDACTED_NUMBER)


async def _erase_parts(session: AsyncSession, account_id: UUID, phone: str) -> int:
    """The number's MO parts: those of the account's messages, and those still waiting for
    the rest of their message at one of the account's numbers or at a sender it wrote to the
    number from (whose the message will be: inbound.ownership). Another account's waiting
    parts from the same number are its own."""
    mine = select(InboundMessage.id).where(InboundMessage.account_id == account_id)
    assigned = select(AssignedNumber.number).where(AssignedNumber.account_id == account_id)
    replied = select(LastSend.sender).where(
        LastSend.account_id == account_id, LastSend.recipient == phone
    )
    deleted = await session.execute(
        delete(InboundPart).where(
            InboundPart.from_number == phone,
            or_(
                InboundPart.inbound_id.in_(mine.scalar_subquery()),
                InboundPart.inbound_id.is_(None)
                & (
                    InboundPart.to_number.in_(assigned.scalar_subquery())
                    | InboundPart.to_number.in_(replied.scalar_subquery())
                ),
            ),
        )
    )
    return deleted.rowcount  # type: ignore[attr-defined]


async def _erase_receipts(session: AsyncSession, account_id: UUID, phone: str) -> int:
    """Receipts as the SMSC wrote them: those of the account's messages to the number lose
    their raw text (it can quote the message); where others name the number (the account's,
    and those not matched to any message yet: nobody's) the number goes, the receipt stays."""
    quoted = await session.execute(
        update(ReceiptRecord)
        .where(
            ReceiptRecord.account_id == account_id,
            ReceiptRecord.message_id.in_(recipients.message_ids(account_id, phone)),
        )
        .values(raw_text=REDACTED_TEXT)
    )
    unmatched = await _erase_unmatched(session, account_id, phone)
    await recipients.forget(session, account_id, phone, utcnow())
    matched = await session.execute(
        update(ReceiptRecord)
        .where(
            or_(ReceiptRecord.account_id == account_id, ReceiptRecord.account_id.is_(None)),
            _naming(ReceiptRecord.raw_text, phone),
        )
        .values(raw_text=_without(ReceiptRecord.raw_text, phone))
    )
    waiting = await session.execute(
        update(PendingReceipt)
        .where(_naming(PendingReceipt.raw_text, phone))
        .values(raw_text=_without(PendingReceipt.raw_text, phone))
    )
    return (
        quoted.rowcount  # type: ignore[attr-defined]
        + unmatched
        + matched.rowcount  # type: ignore[attr-defined]
        + waiting.rowcount  # type: ignore[attr-defined]
    )


async def _erase_unmatched(session: AsyncSession, account_id: UUID, phone: str) -> int:
    """Receipts matched to no part (unmatched, ambiguous, still pending) under the SMSC id
    of a part of the account's messages to the number: their text can quote the message
    though they name no number. Found by the id in any form a receipt may write it
    (receipts.ids); one of another message that happens to share the id loses its text
    too, which errs on the side of the erasure."""
    parts = (
        await session.execute(
            select(SubmittedPart.smsc, SubmittedPart.smsc_key).where(
                SubmittedPart.account_id == account_id,
                SubmittedPart.message_id.in_(recipients.message_ids(account_id, phone)),
            )
        )
    ).all()
    keys: dict[str, set[str]] = defaultdict(set)
    for smsc, key in parts:
        keys[smsc].add(key)
    rows = 0
    for smsc, part_keys in keys.items():
        # A receipt id matches a part's key when the key is one of its candidates, and the
        # relation is symmetric: the receipt's normalised id is one of the key's.
        forms = sorted({form for key in part_keys for form in candidates(key)})
        for start in range(0, len(forms), _IN_CHUNK):
            chunk = forms[start : start + _IN_CHUNK]
            records = await session.execute(
                update(ReceiptRecord)
                .where(
                    ReceiptRecord.account_id.is_(None),
                    ReceiptRecord.smsc == smsc,
                    _normalised(ReceiptRecord.smsc_message_id).in_(chunk),
                )
                .values(raw_text=REDACTED_TEXT)
            )
            pending = await session.execute(
                update(PendingReceipt)
                .where(
                    PendingReceipt.smsc == smsc,
                    PendingReceipt.id.in_(
                        select(PendingReceiptKey.pending_receipt_id).where(
                            PendingReceiptKey.smsc_key.in_(chunk)
                        )
                    ),
                )
                .values(raw_text=REDACTED_TEXT)
            )
            rows += records.rowcount + pending.rowcount  # type: ignore[attr-defined]
    return rows


def _normalised(column: Any) -> Any:
    """receipts.ids.normalise in SQL (but for an id of zeros only, which no SMSC gives)."""
    return func.ltrim(func.lower(func.trim(column)), "0")


async def _erase_attempts(session: AsyncSession, account_id: UUID, phone: str) -> int:
    """What the account's endpoints answered, where it quotes the number (an endpoint
    echoing the payload): the attempt's outcome stays, the words go."""
    events = select(WebhookEvent.id).where(WebhookEvent.account_id == account_id)
    attempts = await session.execute(
        update(WebhookAttempt)
        .where(
            WebhookAttempt.event_id.in_(events.scalar_subquery()),
            or_(_naming(WebhookAttempt.response_body, phone), _naming(WebhookAttempt.error, phone)),
        )
        .values(
            response_body=_without(WebhookAttempt.response_body, phone),
            error=_without(WebhookAttempt.error, phone),
        )
    )
    return attempts.rowcount  # type: ignore[attr-defined]

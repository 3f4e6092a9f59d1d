"""dlr's part of an erasure (R17): the number's replies keep their ids and times but lose
their number and text; which account last wrote to it is forgotten; webhook events (kept for
replays) lose the number and the texts beside it."""

from typing import Any

from sqlalchemy import Text, cast, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import ErasedNumber, Outbox
from dlr_service.inbound.models import InboundMessage, LastSend
from dlr_service.webhooks.models import WebhookEvent
from shared.erasure import (
    REDACTED_NUMBER,
    REDACTED_TEXT,
    digest,
    redact_json,
    scrub_outbox,
)
from shared.events import PrivacyErasureRequested, utcnow

# What the vacuum after an erasure covers.
TABLES = ("inbound_messages", "last_sends", "webhook_events", "outbox")


async def on_erasure_requested(session: AsyncSession, event: PrivacyErasureRequested) -> None:
    account_id, phone = event.account_id, event.phone
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

"""Dispatch's part of an erasure (R17): the number's messages keep their ids, statuses and
prices (the account's statement still adds up) but lose their number and texts; its consent
and its replies' addresses go; a scheduled message to it is canceled, not sent to no one."""

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from dispatch_service.batches.models import Batch
from dispatch_service.campaigns.models import Campaign, CampaignRecipient
from dispatch_service.consent.models import RecipientConsentRow
from dispatch_service.content.models import ContentReview
from dispatch_service.db import ErasedNumber, Outbox
from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.replies.models import InboundAddress
from shared.erasure import REDACTED_NUMBER, REDACTED_TEXT, digest, scrub_outbox
from shared.events import PrivacyErasureRequested, utcnow

ERASED_CODE = "recipient_erased"
# What the vacuum after an erasure covers.
TABLES = (
    "messages",
    "message_parts",
    "recipient_consents",
    "inbound_addresses",
    "batches",
    "campaign_recipients",
    "outbox",
)


async def on_erasure_requested(session: AsyncSession, event: PrivacyErasureRequested) -> None:
    account_id, phone, now = event.account_id, event.phone, utcnow()
    # Not yet sent: a scheduled message is canceled, one held for review rejected (and its
    # review decided), rather than left to go to a redacted number.
    waiting = await session.scalars(
        select(Message)
        .options(selectinload(Message.parts))
        .where(
            Message.account_id == account_id,
            Message.to_number == phone,
            Message.status.in_(("scheduled", "held")),
        )
    )
    for message in waiting.all():
        if message.status == "scheduled":
            message.cancel(now)
        else:
            message.reject(ERASED_CODE, "its recipient's number was erased", now)
            await session.execute(
                update(ContentReview)
                .where(ContentReview.message_id == message.id, ContentReview.decided_at.is_(None))
                .values(decided_at=now, decision="rejected")
            )
    await session.flush()
    ids = select(Message.id).where(Message.account_id == account_id, Message.to_number == phone)
    parts = await session.execute(
        update(MessagePart)
        .where(MessagePart.message_id.in_(ids.scalar_subquery()))
        .values(text=REDACTED_TEXT)
    )
    messages = await session.execute(
        update(Message)
        .where(Message.account_id == account_id, Message.to_number == phone)
        .values(to_number=REDACTED_NUMBER, text=REDACTED_TEXT, status_reason=None)
    )
    consents = await session.execute(
        delete(RecipientConsentRow).where(
            RecipientConsentRow.account_id == account_id, RecipientConsentRow.phone == phone
        )
    )
    replies = await session.execute(
        delete(InboundAddress).where(
            InboundAddress.account_id == account_id, InboundAddress.from_number == phone
        )
    )
    # A batch keeps its refused entries (with their numbers) to answer a retry the same.
    batches = await session.execute(
        update(Batch)
        .where(Batch.account_id == account_id, Batch.rejected.like(f"%{phone}%"))
        .values(rejected=func.replace(Batch.rejected, phone, REDACTED_NUMBER))
    )
    # A campaign's recipient keeps its place and counts but loses the number and the
    # contact's values; one not yet released is refused rather than sent to no one.
    campaigns = select(Campaign.id).where(Campaign.account_id == account_id).scalar_subquery()
    recipients = await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id.in_(campaigns), CampaignRecipient.phone == phone)
        .values(
            phone=REDACTED_NUMBER,
            fields={},
            state=case(
                (CampaignRecipient.state == "pending", "refused"), else_=CampaignRecipient.state
            ),
            refusal=case(
                (CampaignRecipient.state == "pending", ERASED_CODE),
                else_=CampaignRecipient.refusal,
            ),
        )
    )
    rows = sum(
        result.rowcount  # type: ignore[attr-defined]
        for result in (messages, parts, consents, replies, batches, recipients)
    ) + await scrub_outbox(session, Outbox, phone)
    session.add(
        ErasedNumber(
            erasure_id=event.erasure_id,
            account_id=account_id,
            number_digest=digest(account_id, phone),
            rows=rows,
            erased_at=now,
        )
    )

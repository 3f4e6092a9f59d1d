"""A campaign's life: draft (its audience arriving from contacts in chunks) → scheduled →
sending (the releaser's rounds) → completed; paused and resumed, or cancelled, on the way.

The state machine only moves forward or between paused and active; every change locks the
campaign row, so a pause waits for a release round in progress and takes effect on the
next."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts.service import AccountStates
from dispatch_service.bulk import service as bulk
from dispatch_service.campaigns import repository
from dispatch_service.campaigns.models import Campaign, CampaignState
from dispatch_service.campaigns.problems import (
    AudiencePending,
    CampaignEmpty,
    CampaignStateConflict,
    ContentReviewRequired,
)
from dispatch_service.campaigns.schemas import (
    CampaignList,
    CampaignResponse,
    CreateCampaignRequest,
    StatusCounts,
)
from dispatch_service.campaigns.text import with_opt_out_line
from dispatch_service.config import DispatchSettings
from dispatch_service.content.service import ContentGate
from dispatch_service.db import ErasedNumber, Outbox
from dispatch_service.scheduling.intake import due_time
from dispatch_service.senders.intake import SenderGate
from dispatch_service.templates import repository as templates
from dispatch_service.templates.intake import UnknownTemplate
from dispatch_service.templates.render import placeholders
from shared.audit import Auditor, Details
from shared.cursor import decode_cursor, encode_cursor
from shared.erasure import digest, erased_since
from shared.errors import NotFound
from shared.events import CampaignAudienceChunk, CampaignAudienceRequested, utcnow
from shared.outbox import add_event

_ACTIVE: tuple[CampaignState, ...] = ("scheduled", "sending")


async def create(
    session: AsyncSession,
    settings: DispatchSettings,
    senders: SenderGate,
    account_id: UUID,
    request: CreateCampaignRequest,
) -> Campaign:
    """Store the draft and ask contacts for its audience, in one transaction."""
    now = utcnow()
    due_time(request.send_at, now)  # refuses one too far ahead, as a send would
    text = request.text
    if request.template_id is not None:
        template = await templates.get(session, account_id, request.template_id)
        if template is None:
            raise UnknownTemplate(request.template_id)  # as a send naming it answers
        text = template.text
    assert text is not None  # one of the two: checked by the schema
    text = with_opt_out_line(
        text, request.purpose, request.opt_out_line or settings.campaign_opt_out_line
    )
    # A misspelt placeholder is refused now, not sent as braces.
    fields = placeholders(text)
    # An unapproved sender is refused now rather than on every recipient later.
    sender = await senders.sender_for(session, account_id, request.sender)
    group_ids = list(dict.fromkeys(request.group_ids))
    campaign = Campaign(
        id=uuid4(),
        account_id=account_id,
        name=request.name,
        text=text,
        template_id=request.template_id,
        sender=sender,
        purpose=request.purpose,
        group_ids=[str(group_id) for group_id in group_ids],
        send_at=request.send_at,
        state="draft",
        trial=False,
        audience_complete=False,
        chunks_received=0,
        recipients=0,
        audience_generation=0,
        audience_requests=1,
        audience_progress_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    add_event(
        session,
        Outbox,
        CampaignAudienceRequested(
            account_id=account_id,
            campaign_id=campaign.id,
            group_ids=group_ids,
            purpose=request.purpose,
            fields=fields,
        ),
    )
    await session.flush()
    return campaign


async def _campaign(
    session: AsyncSession, account_id: UUID, campaign_id: UUID, for_update: bool = False
) -> Campaign:
    # Another account's campaign is "not found": ids don't leak existence.
    campaign = await repository.get(session, account_id, campaign_id, for_update)
    if campaign is None:
        raise NotFound("Campaign")
    return campaign


async def describe(
    session: AsyncSession, account_id: UUID, campaign_id: UUID
) -> tuple[Campaign, CampaignResponse]:
    campaign = await _campaign(session, account_id, campaign_id)
    states = await repository.recipient_states(session, campaign.id)
    released = states.get("released", 0)
    answer = CampaignResponse.of(campaign, released)
    answer.counts = StatusCounts(
        pending=states.get("pending", 0),
        refused=states.get("refused", 0),
        messages=await repository.message_statuses(session, account_id, campaign.id),
    )
    return campaign, answer


async def list_page(
    session: AsyncSession, account_id: UUID, cursor: str | None, limit: int
) -> CampaignList:
    after = decode_cursor(cursor) if cursor is not None else None
    rows = await repository.page(session, account_id, after, limit + 1)
    items = list(rows[:limit])
    last = items[-1] if len(rows) > limit else None
    return CampaignList(
        items=[CampaignResponse.of(row) for row in items],
        next_cursor=encode_cursor(last.created_at, last.id) if last is not None else None,
    )


async def start(
    session: AsyncSession,
    settings: DispatchSettings,
    account_states: AccountStates,
    content: ContentGate,
    auditor: Auditor,
    campaign_id: UUID,
    trial: bool,
) -> Campaign:
    account_id = auditor.account_id
    campaign = await _campaign(session, account_id, campaign_id, for_update=True)
    if campaign.state != "draft":
        raise CampaignStateConflict("started", campaign.state)
    if not campaign.audience_complete:
        raise AudiencePending()
    if campaign.recipients == 0:
        # Refused rather than "completed with zero": a campaign that reaches nobody is
        # almost always a mistake (wrong group, consent not recorded) the account must see.
        raise CampaignEmpty()
    await account_states.check(session, account_id)
    await bulk.check(session, settings, account_id, campaign.recipients)
    if await content.screen(session, account_id, [campaign.text]):
        raise ContentReviewRequired()
    now = utcnow()
    campaign.state, campaign.trial = _active_state(campaign, now), trial
    campaign.started_at = campaign.updated_at = now
    _audit(session, auditor, "campaign.started", campaign)
    return campaign


def _audit(session: AsyncSession, auditor: Auditor, action: str, campaign: Campaign) -> None:
    # Sending to a whole group, or stopping it, is the account's to trace (counts only).
    details: Details = {"recipients": campaign.recipients, "purpose": campaign.purpose}
    add_event(session, Outbox, auditor.event(action, "campaign", campaign.id, details))


def _active_state(campaign: Campaign, now: datetime) -> CampaignState:
    return "scheduled" if campaign.send_at is not None and campaign.send_at > now else "sending"


async def pause(session: AsyncSession, auditor: Auditor, campaign_id: UUID) -> Campaign:
    account_id = auditor.account_id
    campaign = await _campaign(session, account_id, campaign_id, for_update=True)
    if campaign.state not in _ACTIVE:
        raise CampaignStateConflict("paused", campaign.state)
    campaign.state, campaign.updated_at = "paused", utcnow()
    _audit(session, auditor, "campaign.paused", campaign)
    return campaign


async def resume(session: AsyncSession, auditor: Auditor, campaign_id: UUID) -> Campaign:
    account_id = auditor.account_id
    campaign = await _campaign(session, account_id, campaign_id, for_update=True)
    if campaign.state != "paused":
        raise CampaignStateConflict("resumed", campaign.state)
    now = utcnow()
    campaign.state, campaign.updated_at = _active_state(campaign, now), now
    _audit(session, auditor, "campaign.resumed", campaign)
    return campaign


async def cancel(session: AsyncSession, auditor: Auditor, campaign_id: UUID) -> Campaign:
    account_id = auditor.account_id
    """Recipients not released yet are never sent; messages already handed to the batch
    path go on (cancel those one by one while they are scheduled)."""
    campaign = await _campaign(session, account_id, campaign_id, for_update=True)
    if campaign.state in ("completed", "cancelled", "failed"):
        raise CampaignStateConflict("cancelled", campaign.state)
    now = utcnow()
    campaign.state, campaign.updated_at, campaign.finished_at = "cancelled", now, now
    _audit(session, auditor, "campaign.cancelled", campaign)
    return campaign


async def on_audience_chunk(session: AsyncSession, event: CampaignAudienceChunk) -> None:
    """In the consumer's transaction: one chunk's recipients stored once."""
    campaign = await repository.get(session, event.account_id, event.campaign_id, True)
    if campaign is None:
        return  # not ours (another account named in the event): nothing to attach it to
    if event.generation != campaign.audience_generation or campaign.state == "failed":
        return  # answers an earlier request (asked again since), or given up on
    if not await repository.add_chunk(
        session, campaign.id, event.chunk_no, len(event.recipients), utcnow()
    ):
        return  # a redelivery past the inbox: stored already
    # A chunk from before one of its numbers was erased (a replay, a late delivery) does
    # not bring the number back: that recipient is left out.
    erased = await erased_since(session, ErasedNumber, campaign.account_id, event.occurred_at)
    audience = [r for r in event.recipients if digest(campaign.account_id, r.phone) not in erased]
    await repository.add_recipients(
        session,
        [
            {
                "campaign_id": campaign.id,
                "chunk_no": event.chunk_no,
                "position": position,
                "phone": recipient.phone,
                "fields": recipient.fields,
                "state": "pending",
                "message_id": None,
                "refusal": None,
            }
            for position, recipient in enumerate(audience)
        ],
    )
    campaign.recipients += len(audience)
    campaign.chunks_received += 1
    # Chunks of one campaign share a partition and come in order: the last is the last.
    if event.last:
        campaign.audience_complete = True
    campaign.updated_at = campaign.audience_progress_at = utcnow()

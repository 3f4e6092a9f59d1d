from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from dispatch_service.accounts.service import ACCOUNT_NOT_ACTIVE_RESPONSE, AccountStatesDep
from dispatch_service.bulk.service import BULK_NOT_ENABLED_RESPONSE
from dispatch_service.campaigns import service
from dispatch_service.campaigns.problems import (
    NOT_FOUND_RESPONSE,
    START_RESPONSES,
    STATE_CONFLICT_RESPONSE,
)
from dispatch_service.campaigns.quote import quote
from dispatch_service.campaigns.schemas import (
    CampaignList,
    CampaignResponse,
    CreateCampaignRequest,
)
from dispatch_service.content.service import ContentGateDep
from dispatch_service.deps import SettingsDep, merged_responses
from dispatch_service.senders.intake import SenderGateDep
from dispatch_service.senders.problems import SENDER_NOT_APPROVED_RESPONSE
from shared.app import SessionDep
from shared.audit import AuditorDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/campaigns", tags=["campaigns"], responses=problem_responses(*AUTHENTICATED)
)

# A campaign is a batch send spread over time: who may send may run one, who reads
# messages may follow it.
Sender = Annotated[Principal, Depends(require("messages:send"))]
Reader = Annotated[Principal, Depends(require("messages:read"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a campaign (a draft) to the consented members of contact groups",
    description="Contacts lists the groups' members who have consent for `purpose` (a "
    "current grant, or `consented_at` recorded and no withdrawal) in chunks; the draft shows "
    "`recipients` and, once `audience_complete`, its `quote`. Nothing is sent until `start`.",
    responses=merged_responses(problem_responses(422), SENDER_NOT_APPROVED_RESPONSE),
)
async def create_campaign(
    body: CreateCampaignRequest,
    session: SessionDep,
    principal: Sender,
    settings: SettingsDep,
    senders: SenderGateDep,
    response: Response,
) -> CampaignResponse:
    campaign = await service.create(session, settings, senders, principal.account_id, body)
    response.headers["Location"] = f"{router.prefix}/{campaign.id}"
    return CampaignResponse.of(campaign)


@router.get("", summary="The account's campaigns, newest first", responses=problem_responses(422))
async def list_campaigns(
    session: SessionDep,
    principal: Reader,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CampaignList:
    return await service.list_page(session, principal.account_id, cursor, limit)


@router.get(
    "/{campaign_id}",
    summary="A campaign with its progress, per-status counts and (as a draft) its cost",
    responses=NOT_FOUND_RESPONSE,
)
async def get_campaign(
    campaign_id: UUID, session: SessionDep, principal: Reader, settings: SettingsDep
) -> CampaignResponse:
    campaign, answer = await service.describe(session, principal.account_id, campaign_id)
    if campaign.state == "draft" and campaign.audience_complete:
        answer.quote = await quote(session, settings, campaign)
    return answer


@router.post(
    "/{campaign_id}/start",
    summary="Start a draft: at once, or at its send_at",
    description="Checks the account may send, mass mailing for more recipients than the "
    "threshold, and the text against the content policy; then `scheduled` (send_at ahead) "
    "or `sending`. Recipients go out in batches through the batch path: each batch is "
    "reserved by billing all or none, and numbers opted out since are refused.",
    responses=merged_responses(
        NOT_FOUND_RESPONSE, START_RESPONSES, BULK_NOT_ENABLED_RESPONSE, ACCOUNT_NOT_ACTIVE_RESPONSE
    ),
)
async def start_campaign(
    campaign_id: UUID,
    session: SessionDep,
    principal: Sender,
    settings: SettingsDep,
    account_states: AccountStatesDep,
    content: ContentGateDep,
    auditor: AuditorDep,
) -> CampaignResponse:
    campaign = await service.start(
        session, settings, account_states, content, auditor, campaign_id, principal.trial
    )
    return CampaignResponse.of(campaign)


_CHANGE_RESPONSES = merged_responses(NOT_FOUND_RESPONSE, STATE_CONFLICT_RESPONSE)


@router.post(
    "/{campaign_id}/pause",
    summary="Pause a scheduled or sending campaign",
    description="No more recipients are released; messages already released go on.",
    responses=_CHANGE_RESPONSES,
)
async def pause_campaign(
    campaign_id: UUID, session: SessionDep, _: Sender, auditor: AuditorDep
) -> CampaignResponse:
    return CampaignResponse.of(await service.pause(session, auditor, campaign_id))


@router.post(
    "/{campaign_id}/resume", summary="Resume a paused campaign", responses=_CHANGE_RESPONSES
)
async def resume_campaign(
    campaign_id: UUID, session: SessionDep, _: Sender, auditor: AuditorDep
) -> CampaignResponse:
    return CampaignResponse.of(await service.resume(session, auditor, campaign_id))


@router.post(
    "/{campaign_id}/cancel",
    summary="Cancel a campaign that has not finished",
    description="Recipients not released yet are never sent; messages already released go on.",
    responses=_CHANGE_RESPONSES,
)
async def cancel_campaign(
    campaign_id: UUID, session: SessionDep, _: Sender, auditor: AuditorDep
) -> CampaignResponse:
    return CampaignResponse.of(await service.cancel(session, auditor, campaign_id))

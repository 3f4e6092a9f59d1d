from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from dispatch_service.accounts.service import AccountStatesDep
from dispatch_service.backlog.service import BacklogGateDep
from dispatch_service.content.service import ContentGateDep
from dispatch_service.deps import (
    INTAKE_REFUSALS,
    SettingsDep,
    answer_intake,
    idempotency_key_header,
)
from dispatch_service.messages import service
from dispatch_service.messages.schemas import MessageList, MessageResponse, SendMessageRequest
from dispatch_service.messages.status import MessageStatus
from dispatch_service.senders.intake import SenderGateDep
from dispatch_service.tariffs.gate import TariffGateDep
from dispatch_service.templates.intake import compose_message
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)


IdempotencyKey = Annotated[str | None, idempotency_key_header("message")]
Sender = Annotated[Principal, Depends(require("messages:send"))]
Reader = Annotated[Principal, Depends(require("messages:read"))]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send an SMS",
    responses={
        200: {"model": MessageResponse, "description": "Idempotent replay"},
        **INTAKE_REFUSALS,
    },
)
async def send_message(
    body: SendMessageRequest,
    session: SessionDep,
    principal: Sender,
    settings: SettingsDep,
    backlog: BacklogGateDep,
    account_states: AccountStatesDep,
    senders: SenderGateDep,
    tariffs: TariffGateDep,
    content: ContentGateDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MessageResponse:
    # Before anything is written: a refused account's request stores nothing.
    await account_states.check(session, principal.account_id)
    body, replaced = await compose_message(session, principal.account_id, body)
    held = await content.screen(session, principal.account_id, [body.rendered_text()])
    message, created = await service.send_message(
        session,
        settings,
        principal.account_id,
        body,
        idempotency_key,
        backlog,
        senders,
        bool(held),
        principal.trial,
        tariffs,
    )
    if created and held:
        await content.hold(session, principal.account_id, {message.id: held[0]})
    answer_intake(response, f"{router.prefix}/{message.id}", created)
    answer = MessageResponse.of(message)
    answer.replaced = replaced
    return answer


@router.get("/{message_id}", summary="One message and its parts", responses=problem_responses(404))
async def get_message(message_id: UUID, session: SessionDep, principal: Reader) -> MessageResponse:
    return MessageResponse.of(await service.get_message(session, principal.account_id, message_id))


@router.get("", summary="The account's messages, newest first")
async def list_messages(
    session: SessionDep,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status_filter: Annotated[MessageStatus | None, Query(alias="status")] = None,
    batch_id: Annotated[
        UUID | None,
        Query(description="Only this batch's messages, in the order the batch listed them"),
    ] = None,
    # Bounded like limit: a batch holds at most 1,000, and deep offsets cost a scan each.
    offset: Annotated[int, Query(ge=0, le=10_000, description="Messages to skip")] = 0,
) -> MessageList:
    messages = await service.list_messages(
        session, principal.account_id, limit, status_filter, batch_id, offset
    )
    return MessageList(items=[MessageResponse.of(message) for message in messages])

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import AwareDatetime

from dispatch_service.accounts.service import AccountStatesDep
from dispatch_service.backlog.service import BacklogGateDep
from dispatch_service.consent.service import RECIPIENT_OPTED_OUT_RESPONSE
from dispatch_service.content.service import ContentGateDep
from dispatch_service.deps import (
    INTAKE_REFUSALS,
    SettingsDep,
    answer_intake,
    idempotency_key_header,
    merged_responses,
)
from dispatch_service.destinations.gate import DestinationGateDep
from dispatch_service.messages import service
from dispatch_service.messages.schemas import (
    MessageDetail,
    MessageList,
    MessageResponse,
    SendMessageRequest,
)
from dispatch_service.messages.status import MessageStatus
from dispatch_service.replies import service as replies
from dispatch_service.replies.service import REPLY_TO_NOT_FOUND_RESPONSE
from dispatch_service.senders.intake import SenderGateDep
from dispatch_service.tariffs.gate import TariffGateDep
from dispatch_service.templates.intake import compose_message
from dispatch_service.windows.service import window_for
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_response_doc, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)


IdempotencyKey = Annotated[str | None, idempotency_key_header("message")]
Sender = Annotated[Principal, Depends(require("messages:send"))]
Reader = Annotated[Principal, Depends(require("messages:read"))]

CALLBACK_URL_FORBIDDEN_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_response_doc(422),
        "description": "`webhook_url_forbidden`: `callback_url` is not https:// or leads to "
        "an address our network must not call; nothing was accepted",
    }
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send an SMS",
    responses={
        200: {"model": MessageResponse, "description": "Idempotent replay"},
        **merged_responses(
            INTAKE_REFUSALS,
            problem_responses(422),
            RECIPIENT_OPTED_OUT_RESPONSE,
            REPLY_TO_NOT_FOUND_RESPONSE,
            CALLBACK_URL_FORBIDDEN_RESPONSE,
        ),
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
    destinations: DestinationGateDep,
    content: ContentGateDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MessageResponse:
    # Before anything is written: a refused account's request stores nothing.
    await account_states.check(session, principal.account_id)
    body = await replies.addressed(session, principal.account_id, body)
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
        await window_for(session, principal.account_id, body.purpose),
        tariffs,
        destinations,
    )
    if created and held:
        await content.hold(session, principal.account_id, {message.id: held[0]})
    answer_intake(response, f"{router.prefix}/{message.id}", created)
    answer = MessageResponse.of(message)
    answer.replaced = replaced
    return answer


@router.get("/{message_id}", summary="One message and its parts", responses=problem_responses(404))
async def get_message(message_id: UUID, session: SessionDep, principal: Reader) -> MessageDetail:
    return MessageDetail.of(await service.get_message(session, principal.account_id, message_id))


_LIST_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), `created_from` after `created_to` "
        "or a `to` that is no phone number (`invalid_filter`), or a cursor that is not one "
        "this endpoint gave (`invalid_cursor`)",
    },
}


@router.get(
    "",
    summary="The account's messages, newest first",
    description="Filters combine; pages follow `next_cursor` until it is null.",
    responses=_LIST_REFUSED,
)
async def list_messages(
    session: SessionDep,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page")
    ] = None,
    status_filter: Annotated[MessageStatus | None, Query(alias="status")] = None,
    to: Annotated[str | None, Query(max_length=64, description="The recipient")] = None,
    sender: Annotated[str | None, Query(max_length=64)] = None,
    created_from: Annotated[
        AwareDatetime | None, Query(description="Created at or after (RFC 3339)")
    ] = None,
    created_to: Annotated[
        AwareDatetime | None, Query(description="Created before (RFC 3339)")
    ] = None,
    batch_id: Annotated[
        UUID | None,
        Query(description="Only this batch's messages, in the order the batch listed them"),
    ] = None,
    # Gone for cursors; refused rather than ignored, or a client paging with it would get
    # the first page forever.
    offset: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> MessageList:
    if offset is not None:
        raise service.InvalidFilter("`offset` is no longer supported: follow `next_cursor`")
    filters = service.message_filters(status_filter, to, sender, created_from, created_to, batch_id)
    messages, next_cursor = await service.list_messages(
        session, principal.account_id, filters, limit, cursor
    )
    return MessageList(
        items=[MessageResponse.of(message) for message in messages], next_cursor=next_cursor
    )

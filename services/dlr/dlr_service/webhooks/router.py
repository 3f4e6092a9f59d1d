from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from dlr_service.webhooks import callbacks, service
from dlr_service.webhooks.schemas import (
    CallbackSecretResponse,
    WebhookAttemptPage,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookReplayQueued,
    WebhookReplayWindow,
    WebhookResponse,
    WebhookSecretRotated,
    WebhookUpdate,
    attempt_response,
)
from dlr_service.webhooks.ssrf import UrlGuard
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal


async def _guard(request: Request) -> UrlGuard:
    guard: UrlGuard = request.app.state.webhook_guard
    return guard


GuardDep = Annotated[UrlGuard, Depends(_guard)]
# shared.roles.Allowed(...) spelled as aliases mypy can read.
Reader = Annotated[Principal, Depends(require("account:read"))]
Manager = Annotated[Principal, Depends(require("account:manage"))]

router = APIRouter(
    prefix="/v1/webhooks", tags=["webhooks"], responses=problem_responses(*AUTHENTICATED)
)
_READ = forbidden_response("account:read")
_MANAGE = forbidden_response("account:manage")
_URL_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a URL that is not https:// or "
        "leads to a loopback, private, link-local, CGNAT, multicast or metadata address "
        "(`webhook_url_forbidden`)",
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register an endpoint; its signing secret is shown only in this answer",
    responses={**_MANAGE, **_URL_REFUSED},
)
async def create(
    body: WebhookCreate, principal: Manager, session: SessionDep, guard: GuardDep
) -> WebhookCreated:
    endpoint = await service.create(session, guard, principal.account_id, body)
    return WebhookCreated.model_validate(endpoint)


@router.get("", summary="The account's endpoints", responses=_READ)
async def list_(principal: Reader, session: SessionDep) -> WebhookList:
    endpoints = await service.list_(session, principal.account_id)
    return WebhookList(items=[WebhookResponse.model_validate(e) for e in endpoints])


@router.get(
    "/callback-secret",
    summary="The secret a send's own `callback_url` deliveries are signed with",
    responses=_MANAGE,
)
async def callback_secret(principal: Manager, session: SessionDep) -> CallbackSecretResponse:
    secret = await callbacks.secret_of(session, principal.account_id)
    return CallbackSecretResponse.model_validate(secret, from_attributes=True)


@router.post(
    "/callback-secret/rotate",
    summary="A new callback secret; the old one keeps signing alongside it for 24 hours",
    responses=_MANAGE,
)
async def rotate_callback_secret(principal: Manager, session: SessionDep) -> CallbackSecretResponse:
    secret = await callbacks.rotate(session, principal.account_id)
    return CallbackSecretResponse.model_validate(secret, from_attributes=True)


@router.get("/{webhook_id}", summary="One endpoint", responses={**_READ, **problem_responses(404)})
async def get(webhook_id: UUID, principal: Reader, session: SessionDep) -> WebhookResponse:
    endpoint = await service.get(session, principal.account_id, webhook_id)
    return WebhookResponse.model_validate(endpoint)


@router.patch(
    "/{webhook_id}",
    summary="Change the URL, events or description; disable or enable",
    responses={**_MANAGE, **_URL_REFUSED, **problem_responses(404)},
)
async def update(
    webhook_id: UUID,
    body: WebhookUpdate,
    principal: Manager,
    session: SessionDep,
    guard: GuardDep,
) -> WebhookResponse:
    endpoint = await service.update(session, guard, principal.account_id, webhook_id, body)
    return WebhookResponse.model_validate(endpoint)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an endpoint; what it was still owed is dropped",
    responses={**_MANAGE, **problem_responses(404)},
)
async def delete(webhook_id: UUID, principal: Manager, session: SessionDep) -> Response:
    await service.delete(session, principal.account_id, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="A new signing secret; the old one keeps signing alongside it for 24 hours",
    responses={**_MANAGE, **problem_responses(404)},
)
async def rotate_secret(
    webhook_id: UUID, principal: Manager, session: SessionDep
) -> WebhookSecretRotated:
    endpoint = await service.rotate_secret(session, principal.account_id, webhook_id)
    assert endpoint.previous_secret_expires_at is not None
    return WebhookSecretRotated(
        secret=endpoint.secret, previous_secret_expires_at=endpoint.previous_secret_expires_at
    )


@router.get(
    "/{webhook_id}/attempts",
    summary="Every attempt to deliver to this endpoint, newest first",
    responses={
        **_READ,
        **problem_responses(404),
        422: {
            **problem_responses(422)[422],
            "description": "Invalid input (`validation_error`), or a cursor this endpoint did "
            "not give (`invalid_cursor`)",
        },
    },
)
async def attempts(
    webhook_id: UUID,
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> WebhookAttemptPage:
    rows, next_cursor = await service.attempts(
        session, principal.account_id, webhook_id, cursor, limit
    )
    return WebhookAttemptPage(
        items=[attempt_response(attempt, event_type) for attempt, event_type in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "/{webhook_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Deliver again every event of a time window (by when it happened)",
    responses={**_MANAGE, **problem_responses(404)},
)
async def replay(
    webhook_id: UUID, body: WebhookReplayWindow, principal: Manager, session: SessionDep
) -> WebhookReplayQueued:
    queued = await service.replay(session, principal.account_id, webhook_id, body)
    return WebhookReplayQueued(queued=queued)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Deliver one event again",
    responses={**_MANAGE, **problem_responses(404)},
)
async def replay_delivery(
    webhook_id: UUID, delivery_id: UUID, principal: Manager, session: SessionDep
) -> WebhookReplayQueued:
    await service.replay_delivery(session, principal.account_id, webhook_id, delivery_id)
    return WebhookReplayQueued(queued=1)

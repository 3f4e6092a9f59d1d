from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response, status

from dispatch_service.backlog.service import BACKLOG_FULL_RESPONSE, BacklogGateDep
from dispatch_service.batches import service
from dispatch_service.batches.schemas import BatchResponse, SendBatchRequest
from dispatch_service.config import DispatchSettings
from shared.app import PrincipalDep, SessionDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)


async def _settings(request: Request) -> DispatchSettings:
    settings = request.app.state.runtime.settings
    assert isinstance(settings, DispatchSettings)
    return settings


SettingsDep = Annotated[DispatchSettings, Depends(_settings)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retries with the same key return the original batch instead of "
        "sending it a second time.",
    ),
]


@router.post(
    "/batch",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send up to 1,000 SMS at once",
    description="Every entry is checked like a single message; the valid ones are accepted "
    "together and `rejected` lists the others. Billing takes the whole batch or none of it: "
    "if the balance does not cover every accepted message, all of them end `rejected` with "
    "`insufficient_funds`. 422 `batch_rejected` when no entry is valid.",
    responses={
        200: {"model": BatchResponse, "description": "Idempotent replay"},
        **problem_responses(409),
        **BACKLOG_FULL_RESPONSE,
    },
)
async def send_batch(
    body: SendBatchRequest,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    backlog: BacklogGateDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> BatchResponse:
    batch, created = await service.send_batch(
        session, settings, principal.account_id, body, idempotency_key, backlog
    )
    response.headers["Location"] = f"{router.prefix}?batch_id={batch.batch_id}"
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return batch

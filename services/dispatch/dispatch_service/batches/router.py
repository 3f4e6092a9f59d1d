from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from dispatch_service.accounts.service import AccountStatesDep
from dispatch_service.backlog.service import BacklogGateDep
from dispatch_service.batches import service
from dispatch_service.batches.schemas import BatchResponse, SendBatchRequest
from dispatch_service.bulk import service as bulk
from dispatch_service.bulk.service import BULK_NOT_ENABLED_RESPONSE
from dispatch_service.content.service import ContentGateDep
from dispatch_service.deps import (
    INTAKE_REFUSALS,
    SettingsDep,
    answer_intake,
    idempotency_key_header,
    merged_responses,
)
from dispatch_service.destinations.gate import DestinationGateDep
from dispatch_service.messages.router import CALLBACK_URL_FORBIDDEN_RESPONSE
from dispatch_service.senders.intake import SenderGateDep
from dispatch_service.tariffs.gate import TariffGateDep
from dispatch_service.templates.intake import compose_batch
from dispatch_service.windows.service import window_for
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)


IdempotencyKey = Annotated[str | None, idempotency_key_header("batch")]
Sender = Annotated[Principal, Depends(require("messages:send"))]


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
        **merged_responses(
            INTAKE_REFUSALS, BULK_NOT_ENABLED_RESPONSE, CALLBACK_URL_FORBIDDEN_RESPONSE
        ),
    },
)
async def send_batch(
    body: SendBatchRequest,
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
) -> BatchResponse:
    # Before anything is written: a refused account's request stores nothing.
    await account_states.check(session, principal.account_id)
    await bulk.check(session, settings, principal.account_id, body.recipient_count())
    composed = await compose_batch(session, principal.account_id, body)
    held = await content.screen(session, principal.account_id, composed.texts(), batch=True)
    batch, created = await service.send_batch(
        session,
        settings,
        principal.account_id,
        composed.request,
        idempotency_key,
        backlog,
        senders,
        held.keys(),
        principal.trial,
        composed.refused,
        await window_for(session, principal.account_id, composed.request.purpose),
        tariffs,
        destinations,
    )
    if created:
        await content.hold_batch(session, principal.account_id, batch.batch_id, held)
    answer_intake(response, f"{router.prefix}?batch_id={batch.batch_id}", created)
    # Messages are answered in the order of the entries that were accepted.
    refused = {entry.index for entry in batch.rejected}
    accepted = [index for index in range(len(composed.texts())) if index not in refused]
    for index, message in zip(accepted, batch.messages, strict=False):
        message.replaced = composed.replaced.get(index, [])
    return batch

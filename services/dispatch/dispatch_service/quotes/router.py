from typing import Annotated

from fastapi import APIRouter, Body, Depends

from dispatch_service.batches.schemas import SendBatchRequest
from dispatch_service.deps import SettingsDep
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.quotes import service
from dispatch_service.quotes.schemas import QuoteResponse
from dispatch_service.replies import service as replies
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)

# What may send may ask what sending costs.
Sender = Annotated[Principal, Depends(require("messages:send"))]


@router.post(
    "/quote",
    summary="Encoding, segments and price of a send, without sending",
    description="The body of `POST /v1/messages` or of `POST /v1/messages/batch`. Checked "
    "like a send as far as the text and the number go (template, encoding policy, number, "
    "sender format, length); a single message is refused with the send's problem, a batch "
    "lists bad entries in `rejected`. Nothing is stored. If billing does not answer, "
    "prices are null and `note` says why.",
    responses=problem_responses(422),
)
async def quote(
    body: Annotated[SendMessageRequest | SendBatchRequest, Body()],
    session: SessionDep,
    principal: Sender,
    settings: SettingsDep,
) -> QuoteResponse:
    if isinstance(body, SendMessageRequest):
        body = await replies.addressed(session, principal.account_id, body)
    return await service.quote(session, settings, principal.account_id, body)

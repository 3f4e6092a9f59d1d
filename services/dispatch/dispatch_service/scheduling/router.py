from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from dispatch_service.messages.schemas import MessageResponse
from dispatch_service.scheduling import service
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_response_doc, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)

Sender = Annotated[Principal, Depends(require("messages:send"))]


@router.post(
    "/{message_id}/cancel",
    summary="Cancel a scheduled message",
    description="Only before its `send_at`: it ends `canceled`, and as it was never "
    "charged, nothing is owed.",
    responses={
        404: {**problem_response_doc(404), "description": "No such message (`not_found`)"},
        409: {
            **problem_response_doc(409),
            "description": "`not_cancelable`: the message is not scheduled (any more); "
            "`message_status` says what it is",
        },
    },
)
async def cancel(message_id: UUID, session: SessionDep, principal: Sender) -> MessageResponse:
    message = await service.cancel(session, principal.account_id, message_id)
    return MessageResponse.of(message)

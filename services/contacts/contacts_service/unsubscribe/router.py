from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from contacts_service.unsubscribe import service
from contacts_service.unsubscribe.schemas import (
    UnsubscribeRequest,
    UnsubscribeResponse,
    UnsubscribeTokenResponse,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_response_doc, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/contacts/{contact_id}/unsubscribe-token",
    tags=["contacts"],
    responses=problem_responses(*AUTHENTICATED),
)
# No token: the recipient following a link has none; the unsubscribe token is the credential.
public_router = APIRouter(prefix="/v1/public/unsubscribe", tags=["unsubscribe"])

Writer = Annotated[Principal, Depends(require("contacts:write"))]

TOKEN_REFUSED: dict[int | str, dict[str, Any]] = {
    422: problem_response_doc(422)
    | {
        "description": "Invalid input (`validation_error`), or a token the platform never "
        "gave out (`invalid_unsubscribe_token`)"
    }
}


@router.post(
    "",
    summary="The token of the unsubscribe link for a recipient's number",
    description="For the link in the account's marketing messages (the link's page sends "
    "it to POST /v1/public/unsubscribe). The same token for the number every time.",
    responses=problem_responses(404, 422),
)
async def unsubscribe_token(
    contact_id: UUID, principal: Writer, session: SessionDep
) -> UnsubscribeTokenResponse:
    token = await service.token_for(session, principal.account_id, contact_id)
    return UnsubscribeTokenResponse(token=token)


@public_router.post(
    "",
    summary="Unsubscribe a number from the account's marketing, by its link's token",
    description="Recorded as a withdrawal of the number's marketing consent (source "
    "`link`); marketing messages to it are refused from then on. Following the link again "
    "changes nothing.",
    responses=TOKEN_REFUSED,
)
async def unsubscribe(body: UnsubscribeRequest, session: SessionDep) -> UnsubscribeResponse:
    await service.unsubscribe(session, body.token)
    return UnsubscribeResponse()

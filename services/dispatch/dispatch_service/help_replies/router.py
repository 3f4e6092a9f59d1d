from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from dispatch_service.help_replies import repository
from dispatch_service.help_replies.schemas import HelpTextBody, HelpTextResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, NotFound, problem_response_doc, problem_responses
from shared.events import utcnow
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/keywords/help", tags=["inbound"], responses=problem_responses(*AUTHENTICATED)
)

AccountManager = Annotated[Principal, Depends(require("account:manage"))]
AccountReader = Annotated[Principal, Depends(require("account:read"))]
_NONE_SET: dict[int | str, dict[str, Any]] = {
    404: {**problem_response_doc(404), "description": "No help text set (`not_found`)"}
}


@router.get("", summary="What the account answers HELP with", responses=_NONE_SET)
async def show(session: SessionDep, principal: AccountReader) -> HelpTextResponse:
    row = await repository.get(session, principal.account_id)
    if row is None:
        raise NotFound("Help text")
    return HelpTextResponse.of(row)


@router.put(
    "",
    summary="Set the account's answer to HELP",
    description="A handset that texts a help keyword (`DLR_HELP_KEYWORDS`: HELP, СПРАВКА) "
    "to one of the account's numbers, or in reply to one of its messages, gets this text "
    "back from that number, as a transactional message charged like any other.",
)
async def put(
    body: HelpTextBody, session: SessionDep, principal: AccountManager
) -> HelpTextResponse:
    now = utcnow()
    await repository.put(session, principal.account_id, body.text, now)
    row = await repository.get(session, principal.account_id)
    assert row is not None
    await session.refresh(row)
    return HelpTextResponse.of(row)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Answer HELP no more",
    responses=_NONE_SET,
)
async def remove(session: SessionDep, principal: AccountManager) -> Response:
    if not await repository.remove(session, principal.account_id):
        raise NotFound("Help text")
    return Response(status_code=status.HTTP_204_NO_CONTENT)

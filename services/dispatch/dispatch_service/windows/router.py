from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from dispatch_service.windows import repository
from dispatch_service.windows.schemas import WindowBody, WindowResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, NotFound, problem_response_doc, problem_responses
from shared.events import utcnow
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/sending-window", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)

AccountManager = Annotated[Principal, Depends(require("account:manage"))]
AccountReader = Annotated[Principal, Depends(require("account:read"))]
_NONE_SET: dict[int | str, dict[str, Any]] = {
    404: {**problem_response_doc(404), "description": "No window set (`not_found`)"}
}


@router.get(
    "", summary="The hours the account's marketing may reach recipients", responses=_NONE_SET
)
async def show(session: SessionDep, principal: AccountReader) -> WindowResponse:
    row = await repository.get(session, principal.account_id)
    if row is None:
        raise NotFound("Sending window")
    return WindowResponse.of(row)


@router.put(
    "",
    summary="Send marketing only between these hours, in the recipient's time zone",
    description="A marketing message (`purpose: marketing`, the default of a batch) that "
    "would reach its recipient outside the window waits `scheduled` until it opens (and is "
    "charged then). The zone comes from the number; a country with several must be inside "
    "the window in all of them. Transactional messages are never held.",
)
async def put(body: WindowBody, session: SessionDep, principal: AccountManager) -> WindowResponse:
    start, end = body.minutes()
    await repository.put(session, principal.account_id, start, end, utcnow())
    row = await repository.get(session, principal.account_id)
    assert row is not None
    await session.refresh(row)
    return WindowResponse.of(row)


@router.delete(
    "", status_code=status.HTTP_204_NO_CONTENT, summary="Send at any hour", responses=_NONE_SET
)
async def remove(session: SessionDep, principal: AccountManager) -> Response:
    if not await repository.remove(session, principal.account_id):
        raise NotFound("Sending window")
    return Response(status_code=status.HTTP_204_NO_CONTENT)

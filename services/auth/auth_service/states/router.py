from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from auth_service.audit.deps import OriginDep
from auth_service.states import service
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal

router = APIRouter(prefix="/v1/account", tags=["account"])

Closer = Annotated[Principal, Depends(require("account:close"))]
_CLOSE_REFUSED: dict[int | str, dict[str, Any]] = {
    **problem_responses(*AUTHENTICATED),
    **forbidden_response("account:close"),
    409: {
        **problem_responses(409)[409],
        "description": "Only an active account closes (`invalid_state_transition`)",
    },
}


@router.post(
    "/close",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Close the account",
    description="Everything but logging in is refused afterwards (`account_closed`) and "
    "every session ends. Logging in again within the retention period reopens it; the login "
    "answer then says `account_reopened: true`.",
    responses=_CLOSE_REFUSED,
)
async def close(principal: Closer, session: SessionDep, origin: OriginDep) -> None:
    await service.close(session, principal, origin)

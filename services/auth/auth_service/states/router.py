from typing import Any

from fastapi import APIRouter, status

from auth_service.audit.deps import OriginDep
from auth_service.states import service
from shared.app import PrincipalDep, SessionDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(prefix="/v1/account", tags=["account"])

_CLOSE_REFUSED: dict[int | str, dict[str, Any]] = {
    **problem_responses(*AUTHENTICATED),
    403: {
        **problem_responses(403)[403],
        "description": "The caller is not the account's owner, or is an API key (`forbidden`)",
    },
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
async def close(principal: PrincipalDep, session: SessionDep, origin: OriginDep) -> None:
    await service.close(session, principal, origin)

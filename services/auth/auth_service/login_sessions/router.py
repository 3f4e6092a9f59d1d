from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, status

from auth_service.audit.deps import OriginDep
from auth_service.login_sessions import service
from auth_service.login_sessions.schemas import LoginSessionPage, RevokedSessions
from shared.app import PrincipalDep, SessionDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(
    prefix="/v1/auth/sessions", tags=["auth"], responses=problem_responses(*AUTHENTICATED)
)


@router.get(
    "",
    summary="The caller's active sessions (logins that can still refresh)",
    description="Most recently used first, each with the device (User-Agent) and address "
    "of its latest login or refresh; `current` marks the one the caller's token belongs to.",
    responses={
        422: {
            **problem_responses(422)[422],
            "description": "Invalid input (`validation_error`), or a cursor that is not one "
            "this endpoint gave (`invalid_cursor`)",
        }
    },
)
async def list_sessions(
    principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> LoginSessionPage:
    items, next_cursor = await service.page(session, principal, cursor, limit)
    return LoginSessionPage(items=items, next_cursor=next_cursor)


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        **problem_responses(404)[404],
        "description": "No active session of the caller has this id (`session_not_found`): "
        "it ended already, or it is someone else's",
    }
}


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End one of the caller's sessions",
    description="Its refresh token stops working, so the device must log in again once its "
    "access token expires (at most 15 minutes by default). Ending the current session is "
    "allowed: it is a logout.",
    responses=_NOT_FOUND,
)
async def revoke_session(
    session_id: UUID, principal: PrincipalDep, session: SessionDep, origin: OriginDep
) -> None:
    await service.revoke(session, principal, session_id, origin)


@router.post(
    "/revoke-others",
    summary="Sign out everywhere else: end every session of the caller but the current one",
    description="A token issued before sessions had ids belongs to none, so every session "
    "ends and this device logs in again when its access token expires.",
)
async def revoke_other_sessions(
    principal: PrincipalDep, session: SessionDep, origin: OriginDep
) -> RevokedSessions:
    return RevokedSessions(revoked=await service.revoke_others(session, principal, origin))

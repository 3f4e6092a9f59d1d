from typing import Any

from fastapi import APIRouter, Response, status

from auth_service.audit.deps import OriginDep
from auth_service.deps import IssuerDep, SettingsDep
from auth_service.sessions import service
from auth_service.sessions.refusals import RecordingSessionDep
from auth_service.sessions.schemas import RefreshRequest, TokenResponse
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])


def no_store(response: Response) -> None:
    """RFC 6749 §5.1: a response carrying a credential is never stored by any cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


_REFRESH_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {
        **problem_responses(401)[401],
        "description": "An unknown, expired or revoked refresh token "
        "(`invalid_refresh_token`), or one already used (`refresh_token_reused`: every "
        "token of its login is revoked now)",
    }
}


@router.post(
    "/refresh",
    summary="Exchange a refresh token for a new access token and refresh token",
    description="The refresh token works once: the answer carries its successor. Using a "
    "refresh token a second time revokes every token descended from the same login.",
    responses=_REFRESH_REFUSED,
)
async def refresh(
    body: RefreshRequest,
    session: RecordingSessionDep,
    issuer: IssuerDep,
    settings: SettingsDep,
    response: Response,
    origin: OriginDep,
) -> TokenResponse:
    no_store(response)
    return await service.refresh(session, issuer, settings, body.refresh_token, origin)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a refresh token and every token of its login",
    description="Answers 204 for an unknown or already revoked token too (RFC 7009). Access "
    "tokens already issued stay valid until they expire (at most 15 minutes by default).",
)
async def logout(body: RefreshRequest, session: RecordingSessionDep, origin: OriginDep) -> None:
    await service.logout(session, body.refresh_token, origin)

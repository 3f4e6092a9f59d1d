from typing import Any

from fastapi import APIRouter, Response

from auth_service.accounts.limits import PasswordsDep
from auth_service.audit.deps import OriginDep
from auth_service.deps import IssuerDep, SettingsDep
from auth_service.password import service
from auth_service.password.schemas import PasswordChange
from auth_service.sessions.refusals import RecordingSessionDep
from auth_service.sessions.router import no_store
from auth_service.sessions.schemas import TokenResponse
from shared.app import PrincipalDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(prefix="/v1/account", tags=["account"])

_REFUSED: dict[int | str, dict[str, Any]] = {
    **problem_responses(*AUTHENTICATED),
    401: {
        **problem_responses(401)[401],
        "description": "A missing or invalid bearer token (`unauthorized`), or a wrong current "
        "password, or too many failed logins for this e-mail lately (`invalid_credentials`)",
    },
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a new password shorter than 12 "
        "characters or among the most common ones (`weak_password`)",
    },
}


@router.post(
    "/password",
    summary="Change your own password; your other sessions end",
    description="Every refresh token of yours is revoked and the answer carries a new pair "
    "for this client. Access tokens already issued elsewhere keep working until they lapse "
    "(15 minutes at most). A wrong current password counts towards the login lockout.",
    responses=_REFUSED,
)
async def change_password(
    body: PasswordChange,
    principal: PrincipalDep,
    session: RecordingSessionDep,
    passwords: PasswordsDep,
    issuer: IssuerDep,
    settings: SettingsDep,
    response: Response,
    origin: OriginDep,
) -> TokenResponse:
    no_store(response)
    return await service.change(session, passwords, issuer, settings, principal, body, origin)

from typing import Any

from fastapi import APIRouter, Response, status

from auth_service.audit.deps import OriginDep
from auth_service.deps import SettingsDep
from auth_service.profile.service import caller
from auth_service.twofactor import service
from auth_service.twofactor.schemas import (
    ConfirmRequest,
    DisableRequest,
    Enrolment,
    TwoFactorStatus,
)
from shared.app import PrincipalDep, SessionDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(
    prefix="/v1/account/2fa", tags=["account"], responses=problem_responses(*AUTHENTICATED)
)

_ALREADY_ON: dict[int | str, dict[str, Any]] = {
    409: {
        **problem_responses(409)[409],
        "description": "Two-factor login is already on (`otp_already_enabled`)",
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start enrolling an authenticator app (TOTP)",
    description="Returns the secret and its otpauth:// URI once; login needs no code until "
    "POST /v1/account/2fa/confirm. Starting again replaces an unconfirmed secret.",
    responses=_ALREADY_ON,
)
async def enrol(
    principal: PrincipalDep, session: SessionDep, response: Response, settings: SettingsDep
) -> Enrolment:
    response.headers["Cache-Control"] = "no-store"
    user, _ = await caller(session, principal)
    return await service.enrol(session, settings, user)


@router.post(
    "/confirm",
    summary="Turn two-factor login on with a code from the app",
    responses={
        409: {
            **problem_responses(409)[409],
            "description": "Already on (`otp_already_enabled`), or no enrolment started "
            "(`otp_not_started`)",
        },
        422: {
            **problem_responses(422)[422],
            "description": "Invalid input (`validation_error`), or a code that does not "
            "match the enrolled secret (`invalid_otp`)",
        },
    },
)
async def confirm(
    body: ConfirmRequest,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    origin: OriginDep,
) -> TwoFactorStatus:
    user, _ = await caller(session, principal)
    await service.confirm(session, settings, user, body.code, origin)
    return TwoFactorStatus(enabled=True)


@router.delete(
    "",
    summary="Turn two-factor login off with a code from the app",
    responses={
        409: {
            **problem_responses(409)[409],
            "description": "Two-factor login is off already (`otp_not_enabled`)",
        },
        422: {
            **problem_responses(422)[422],
            "description": "Invalid input (`validation_error`), or a code that does not "
            "match, or was used already (`invalid_otp`)",
        },
    },
)
async def disable(
    body: DisableRequest,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    origin: OriginDep,
) -> TwoFactorStatus:
    user, _ = await caller(session, principal)
    await service.disable(session, settings, user, body.otp, origin)
    return TwoFactorStatus(enabled=False)

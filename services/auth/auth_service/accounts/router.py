from typing import Any

from fastapi import APIRouter, Depends, Response, status

from auth_service.accounts import service
from auth_service.accounts.limits import PasswordsDep, per_client_ip
from auth_service.accounts.schemas import (
    LoginRequest,
    LoginResponse,
    RegisterRequest,
    RegisterResponse,
)
from auth_service.audit.deps import OriginDep
from auth_service.deps import IssuerDep, SettingsDep
from auth_service.sessions.refusals import RecordingSessionDep
from auth_service.sessions.router import no_store
from shared.app import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])

# What a rate-limited answer carries, documented on both operations.
_RATE_LIMIT_HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    },
    "RateLimit-Limit": {
        "description": "Requests allowed per period",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {"description": "Requests left now", "schema": {"type": "integer"}},
    "RateLimit-Reset": {
        "description": "Seconds until the full allowance is back",
        "schema": {"type": "integer"},
    },
}


def rate_limited_response() -> dict[int | str, dict[str, Any]]:
    doc = problem_responses(429)
    doc[429] = {
        **doc[429],
        "description": "Too many attempts from this client address (`rate_limited`)",
        "headers": _RATE_LIMIT_HEADERS,
    }
    return doc


_WEAK_PASSWORD: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a password shorter than 12 "
        "characters or among the most common ones (`weak_password`)",
    }
}


@router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Open an account; it gets free credit once its e-mail is confirmed",
    description="Answers the same whether or not the e-mail already has an account: nothing "
    "about an existing account changes, and logging in tells the rest. Under the sign-up "
    "policy `verified` (the default) the address gets a one-time confirmation link (see "
    "POST /v1/auth/verify-email), the account starts on trial, and an address that already "
    "has an account gets a notice instead.",
    responses={**rate_limited_response(), **_WEAK_PASSWORD},
    dependencies=[Depends(per_client_ip("register"))],
)
async def register(
    body: RegisterRequest,
    session: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
    origin: OriginDep,
) -> RegisterResponse:
    await service.register(session, passwords, settings, body, origin)
    return RegisterResponse(email=body.email.lower())


_LOGIN_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {
        **problem_responses(401)[401],
        "description": "Unknown e-mail, wrong password, or too many failed logins for this "
        "e-mail lately: one answer for all three (`invalid_credentials`). With two-factor "
        "login on: `otp` missing (`otp_required`) or wrong (`invalid_otp`)",
    }
}


@router.post(
    "/login",
    summary="Exchange e-mail and password for an access token and a refresh token",
    description="After 10 failed logins for one e-mail within 15 minutes (the defaults), "
    "its logins are refused until enough of them have aged out of the window, with the same "
    "answer as a wrong password. Logging in to a blocked account works (its users read the "
    "reason at GET /v1/account); logging in to a closed one reopens it "
    "(`account_reopened: true`).",
    responses={**_LOGIN_REFUSED, **rate_limited_response()},
    dependencies=[Depends(per_client_ip("login"))],
)
async def login(
    body: LoginRequest,
    session: RecordingSessionDep,
    passwords: PasswordsDep,
    issuer: IssuerDep,
    settings: SettingsDep,
    response: Response,
    origin: OriginDep,
) -> LoginResponse:
    no_store(response)
    return await service.login(session, passwords, issuer, settings, body, origin)

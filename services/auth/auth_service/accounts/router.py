from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from auth_service.accounts import service
from auth_service.accounts.limits import PasswordsDep, per_client_ip
from auth_service.accounts.schemas import (
    LoginRequest,
    RegisterRequest,
    RegisterResponse,
    TokenResponse,
)
from auth_service.keys.signing import TokenIssuer
from shared.app import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])


async def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


IssuerDep = Annotated[TokenIssuer, Depends(_issuer)]

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


def _rate_limited_response() -> dict[int | str, dict[str, Any]]:
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
    summary="Open an account; it starts with free credit",
    description="Answers the same whether or not the e-mail already has an account: nothing "
    "about an existing account changes, and logging in tells the rest.",
    responses={**_rate_limited_response(), **_WEAK_PASSWORD},
    dependencies=[Depends(per_client_ip("register"))],
)
async def register(
    body: RegisterRequest, session: SessionDep, passwords: PasswordsDep
) -> RegisterResponse:
    await service.register(session, passwords, body)
    return RegisterResponse(email=body.email.lower())


@router.post(
    "/login",
    summary="Exchange e-mail and password for a bearer token",
    responses={**problem_responses(401), **_rate_limited_response()},
    dependencies=[Depends(per_client_ip("login"))],
)
async def login(
    body: LoginRequest,
    session: SessionDep,
    passwords: PasswordsDep,
    issuer: IssuerDep,
    response: Response,
) -> TokenResponse:
    # RFC 6749 §5.1: a response carrying a credential is never stored by any cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return await service.login(session, passwords, issuer, body)

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from auth_service.accounts import service
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


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Open an account; it starts with free credit",
    responses=problem_responses(409),
)
async def register(body: RegisterRequest, session: SessionDep) -> RegisterResponse:
    account, user = await service.register(session, body)
    return RegisterResponse(
        account_id=account.id, user_id=user.id, email=user.email, company_name=account.company_name
    )


@router.post(
    "/login",
    summary="Exchange e-mail and password for a bearer token",
    responses=problem_responses(401),
)
async def login(body: LoginRequest, session: SessionDep, issuer: IssuerDep) -> TokenResponse:
    return await service.login(session, issuer, body)

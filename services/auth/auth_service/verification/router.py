from typing import Any

from fastapi import APIRouter, Depends, status

from auth_service.accounts.limits import per_client_ip
from auth_service.accounts.router import rate_limited_response
from auth_service.audit.deps import OriginDep
from auth_service.deps import SettingsDep
from auth_service.verification import service
from auth_service.verification.schemas import (
    ResendRequest,
    ResendResponse,
    VerifyEmailRequest,
    VerifyEmailResponse,
)
from shared.app import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/auth/verify-email", tags=["auth"])

_TOKEN_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a token that is unknown, used "
        "already or expired (`verification_token_invalid`)",
    }
}


@router.post(
    "",
    summary="Confirm the registering e-mail with the token of its mailed link",
    description="The account gets its starter credit (a moment later, from billing). The "
    "token works once.",
    responses=_TOKEN_REFUSED,
)
async def verify_email(
    body: VerifyEmailRequest, session: SessionDep, origin: OriginDep
) -> VerifyEmailResponse:
    await service.verify(session, origin, body.token)
    return VerifyEmailResponse()


@router.post(
    "/resend",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send the confirmation link again",
    description="Answers the same for every address. An account waiting for confirmation "
    "gets a new link at most once a minute; earlier links stop working.",
    responses={**rate_limited_response(), **problem_responses(422)},
    dependencies=[Depends(per_client_ip("resend"))],
)
async def resend(body: ResendRequest, session: SessionDep, settings: SettingsDep) -> ResendResponse:
    await service.resend(session, settings, body.email)
    return ResendResponse()

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from auth_service.api_keys import service
from auth_service.api_keys.deps import IssuerDep, PersonDep
from auth_service.api_keys.models import ApiKey
from auth_service.api_keys.schemas import (
    ApiKeyCreate,
    ApiKeyList,
    ApiKeyResponse,
    ApiKeyToken,
    ApiKeyWithSecret,
)
from auth_service.audit.deps import OriginDep
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response
from shared.security import bearer_token

router = APIRouter(
    prefix="/v1/api-keys",
    tags=["api-keys"],
    responses={**problem_responses(*AUTHENTICATED), **forbidden_response("api_keys:manage")},
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key; its secret is shown only in this answer",
    description="An unknown scope is `422 invalid_scope`. Use the key as "
    "`Authorization: Bearer sk_live_...` through the gateway.",
)
async def create(
    body: ApiKeyCreate,
    principal: PersonDep,
    session: SessionDep,
    response: Response,
    origin: OriginDep,
) -> ApiKeyWithSecret:
    key, secret = await service.create_key(session, principal, body, origin)
    # The answer carries a credential: no cache may keep it (RFC 9111 §5.2.2.5).
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyWithSecret(**_listed(key).model_dump(), secret=secret)


@router.get("", summary="The account's API keys (never their secrets)")
async def list_(principal: PersonDep, session: SessionDep) -> ApiKeyList:
    keys = await service.list_keys(session, principal)
    return ApiKeyList(items=[_listed(key) for key in keys])


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key; every gateway refuses it within seconds",
    responses=problem_responses(404),
)
async def revoke(
    key_id: UUID, principal: PersonDep, session: SessionDep, origin: OriginDep
) -> Response:
    await service.revoke_key(session, principal, key_id, origin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Not routed by the gateway: only the gateway itself calls it, with the key as credential.
internal_router = APIRouter(prefix="/internal/api-keys", tags=["internal"])


@internal_router.post(
    "/token",
    summary="Exchange an API key (as the bearer token) for a short-lived access token",
    responses=problem_responses(401),
)
async def token(
    request: Request, session: SessionDep, issuer: IssuerDep, response: Response
) -> ApiKeyToken:
    response.headers["Cache-Control"] = "no-store"
    return await service.token_for_key(session, issuer, bearer_token(request))


def _listed(key: ApiKey) -> ApiKeyResponse:
    return ApiKeyResponse(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=key.scopes,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
    )

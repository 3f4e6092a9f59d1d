from typing import Annotated

from fastapi import APIRouter, Depends

from auth_service.audit.deps import OriginDep
from auth_service.profile import service
from auth_service.profile.schemas import AccountProfile, AccountUpdate
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/account", tags=["account"], responses=problem_responses(*AUTHENTICATED)
)

# Every role reads the account; a blocked account's users too (the gateway lets GET
# /v1/account through for them, so they can read why).
Reader = Annotated[Principal, Depends(require("account:read"))]
Editor = Annotated[Principal, Depends(require("account:manage"))]


@router.get(
    "",
    summary="The account's profile and the caller's own details",
    responses=forbidden_response("account:read"),
)
async def get_profile(principal: Reader, session: SessionDep) -> AccountProfile:
    user, account = await service.caller(session, principal)
    return service.profile(user, account)


@router.patch(
    "",
    summary="Change company name, contact e-mail, phone or name",
    description="Only the fields sent change; `null` clears `phone` or `name`. An unknown "
    "field, a blank company name, an invalid e-mail or a phone number that is not in "
    "international format is a 422 and changes nothing.",
    responses=forbidden_response("account:manage"),
)
async def update_profile(
    body: AccountUpdate, principal: Editor, session: SessionDep, origin: OriginDep
) -> AccountProfile:
    return await service.update(session, principal, body, origin)

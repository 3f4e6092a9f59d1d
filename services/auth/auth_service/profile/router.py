from fastapi import APIRouter

from auth_service.audit.deps import OriginDep
from auth_service.profile import service
from auth_service.profile.schemas import AccountProfile, AccountUpdate
from shared.app import PrincipalDep, SessionDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(
    prefix="/v1/account", tags=["account"], responses=problem_responses(*AUTHENTICATED)
)


@router.get("", summary="The account's profile and the caller's own details")
async def get_profile(principal: PrincipalDep, session: SessionDep) -> AccountProfile:
    user, account = await service.caller(session, principal)
    return service.profile(user, account)


@router.patch(
    "",
    summary="Change company name, contact e-mail, phone or name",
    description="Only the fields sent change; `null` clears `phone` or `name`. An unknown "
    "field, a blank company name, an invalid e-mail or a phone number that is not in "
    "international format is a 422 and changes nothing.",
)
async def update_profile(
    body: AccountUpdate, principal: PrincipalDep, session: SessionDep, origin: OriginDep
) -> AccountProfile:
    return await service.update(session, principal, body, origin)

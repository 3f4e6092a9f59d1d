"""Who may change the team: the caller's role as the database has it now, not as their
token (up to 15 minutes old) says, so that a demoted admin manages nobody from then on."""

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.profile.service import caller
from auth_service.states.repository import account_for_update
from shared.errors import ProblemError
from shared.roles import Forbidden, allowed
from shared.security import Principal


class OwnerRequired(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "owner_required",
            "Owner required",
            "Only an owner may make someone an owner, or change or remove an owner",
        )


async def manager(session: AsyncSession, principal: Principal) -> tuple[User, Account]:
    """The calling user, who may manage users, and their account, locked until the
    transaction ends: changes to one team come one after the other, so that two owners
    demoting each other at once cannot leave the account without one."""
    user, _ = await caller(session, principal)
    current = Principal(account_id=user.account_id, subject=str(user.id), role=user.role)
    if not allowed(current, "users:manage"):
        raise Forbidden(current, "users:manage")
    account = await account_for_update(session, user.account_id)
    assert account is not None  # caller() found it
    return user, account


def check_may_grant(me: User, *roles: str) -> None:
    """Refuses a non-owner who would touch `owner` among `roles` (before or after)."""
    if "owner" in roles and me.role != "owner":
        raise OwnerRequired()

"""Giving a user another role and removing one. The account keeps at least one owner, and
only an owner touches an owner. Either change ends the user's sessions: their refresh
tokens stop working at once, so the next login carries the new role (or fails); an access
token already issued keeps its old role until it lapses (15 minutes at most)."""

from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import User
from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.sessions.repository import RefreshTokens
from auth_service.team.access import check_may_grant, manager
from auth_service.team.repository import TeamRepository
from shared.errors import NotFound, ProblemError
from shared.events import utcnow
from shared.security import Principal


class LastOwner(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "last_owner",
            "Last owner",
            "The account must keep an owner: make someone else owner first",
        )


async def users(session: AsyncSession, account_id: UUID) -> list[User]:
    return await TeamRepository(session).users_of(account_id)


async def change_role(
    session: AsyncSession, principal: Principal, user_id: UUID, role: str, origin: Origin
) -> User:
    me, account = await manager(session, principal)
    repository = TeamRepository(session)
    user = await repository.user_of(account.id, user_id)
    if user is None:
        raise NotFound("User")
    check_may_grant(me, user.role, role)
    if user.role == role:
        return user
    previous = user.role
    await _keep_an_owner(repository, user)
    user.role = role
    await session.flush()
    await RefreshTokens(session).revoke_user(user.id, utcnow())
    await _audit(session, origin, me, user, "user.role_changed", {"from": previous, "to": role})
    return user


async def remove(
    session: AsyncSession, principal: Principal, user_id: UUID, origin: Origin
) -> None:
    """Deletes the user with their refresh tokens; the audit log keeps them by id."""
    me, account = await manager(session, principal)
    repository = TeamRepository(session)
    user = await repository.user_of(account.id, user_id)
    if user is None:
        raise NotFound("User")
    check_may_grant(me, user.role)
    await _keep_an_owner(repository, user)
    await _audit(session, origin, me, user, "user.removed", {"role": user.role})
    await repository.delete_user(user)


async def _keep_an_owner(repository: TeamRepository, leaving: User) -> None:
    """Refuses to take the owner role from the account's only owner (the account row is
    locked by manager(), so the count cannot change underneath)."""
    if leaving.role == "owner" and await repository.owner_count(leaving.account_id) <= 1:
        raise LastOwner()


async def _audit(
    session: AsyncSession,
    origin: Origin,
    me: User,
    user: User,
    action: Literal["user.role_changed", "user.removed"],
    details: dict[str, str],
) -> None:
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=Actor.user(me.id),
        action=action,
        object_type="user",
        object_id=user.id,
        details=details,
    )

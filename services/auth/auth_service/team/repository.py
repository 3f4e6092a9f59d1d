from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import User
from auth_service.sessions.models import RefreshToken
from auth_service.team.models import Invitation


class TeamRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def users_of(self, account_id: UUID) -> list[User]:
        query = select(User).where(User.account_id == account_id).order_by(User.created_at)
        return list(await self._session.scalars(query))

    async def user_of(self, account_id: UUID, user_id: UUID) -> User | None:
        """The account's user; another account's is None, like one that never existed."""
        user: User | None = await self._session.scalar(
            select(User).where(User.id == user_id, User.account_id == account_id)
        )
        return user

    async def owner_count(self, account_id: UUID) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.account_id == account_id, User.role == "owner")
        )
        return int(count or 0)

    async def delete_user(self, user: User) -> None:
        """The user and their refresh tokens (whose rows point at the user)."""
        await self._session.execute(delete(RefreshToken).where(RefreshToken.user_id == user.id))
        await self._session.delete(user)
        await self._session.flush()

    async def add_invitation(self, invitation: Invitation) -> None:
        self._session.add(invitation)
        await self._session.flush()

    async def pending(
        self, account_id: UUID, now: datetime, email: str | None = None
    ) -> list[Invitation]:
        query = select(Invitation).where(
            Invitation.account_id == account_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        if email is not None:
            query = query.where(Invitation.email == email)
        return list(await self._session.scalars(query.order_by(Invitation.created_at)))

    async def invitation_for_update(
        self, account_id: UUID, invitation_id: UUID
    ) -> Invitation | None:
        invitation: Invitation | None = await self._session.scalar(
            select(Invitation)
            .where(Invitation.id == invitation_id, Invitation.account_id == account_id)
            .with_for_update()
        )
        return invitation

    async def invitation_by_hash_for_update(self, token_hash: str) -> Invitation | None:
        """Locked, so that two accepts of one token at once join one person."""
        invitation: Invitation | None = await self._session.scalar(
            select(Invitation).where(Invitation.token_hash == token_hash).with_for_update()
        )
        return invitation

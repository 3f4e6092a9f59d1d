from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import User
from auth_service.sessions.models import LoginFailure, RefreshToken


class RefreshTokens:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        self._session.add(token)
        await self._session.flush()

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        token: RefreshToken | None = await self._session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )
        return token

    async def rotate(self, token_id: UUID, now: datetime) -> bool:
        """Marks the token used unless it already was (or was revoked): True when this
        call did it. Concurrent uses of one token: exactly one gets True."""
        result = await self._session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(rotated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def revoke_family(self, family_id: UUID, now: datetime) -> None:
        await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )

    async def revoke_user(
        self, user_id: UUID, now: datetime, keep_family: UUID | None = None
    ) -> None:
        """Ends the user's sessions (a new role, a new password), but `keep_family`'s."""
        query = update(RefreshToken).where(
            RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
        )
        if keep_family is not None:
            query = query.where(RefreshToken.family_id != keep_family)
        await self._session.execute(
            query.values(revoked_at=now).execution_options(synchronize_session=False)
        )

    async def revoke_account(self, account_id: UUID, now: datetime) -> None:
        """Ends every session of the account's users (closing it)."""
        users = select(User.id).where(User.account_id == account_id).scalar_subquery()
        await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id.in_(users), RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )

    async def delete_expired(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(RefreshToken).where(RefreshToken.expires_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class LoginFailures:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def count_since(self, email: str, since: datetime) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.email == email, LoginFailure.failed_at > since)
        )
        return int(count or 0)

    async def add(self, email: str, at: datetime) -> None:
        self._session.add(LoginFailure(email=email, failed_at=at))
        await self._session.flush()

    async def clear(self, email: str) -> None:
        await self._session.execute(delete(LoginFailure).where(LoginFailure.email == email))

    async def delete_before(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(LoginFailure).where(LoginFailure.failed_at <= before)
        )
        return int(getattr(result, "rowcount", 0) or 0)

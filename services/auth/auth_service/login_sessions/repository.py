from datetime import datetime
from uuid import UUID

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.sessions.models import RefreshToken


def _live(user_id: UUID, now: datetime) -> list[object]:
    """A login's one usable token: neither exchanged nor revoked nor expired."""
    return [
        RefreshToken.user_id == user_id,
        RefreshToken.rotated_at.is_(None),
        RefreshToken.revoked_at.is_(None),
        RefreshToken.expires_at > now,
    ]


class LiveSessions:
    """A user's logins, each read through the one refresh token it can still use."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self, user_id: UUID, now: datetime, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[RefreshToken]:
        """Most recently used first; those used before `after` ((created_at, id)) if given."""
        query = select(RefreshToken).where(*_live(user_id, now))  # type: ignore[arg-type]
        if after is not None:
            query = query.where(tuple_(RefreshToken.created_at, RefreshToken.id) < after)
        query = query.order_by(RefreshToken.created_at.desc(), RefreshToken.id.desc())
        return list(await self._session.scalars(query.limit(limit)))

    async def revoke(self, user_id: UUID, family_id: UUID, now: datetime) -> bool:
        """Ends the user's login `family_id`; False when the user has no such live login."""
        result = await self._session.execute(
            update(RefreshToken)
            .where(*_live(user_id, now), RefreshToken.family_id == family_id)  # type: ignore[arg-type]
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke_all_but(self, user_id: UUID, keep: UUID | None, now: datetime) -> int:
        query = update(RefreshToken).where(*_live(user_id, now))  # type: ignore[arg-type]
        if keep is not None:
            query = query.where(RefreshToken.family_id != keep)
        result = await self._session.execute(
            query.values(revoked_at=now).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

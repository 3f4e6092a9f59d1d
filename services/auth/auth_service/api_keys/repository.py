from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.api_keys.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, key: ApiKey) -> None:
        self._session.add(key)
        await self._session.flush()

    async def active_of(self, account_id: UUID) -> list[ApiKey]:
        keys = await self._session.scalars(
            select(ApiKey)
            .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc(), ApiKey.id)
        )
        return list(keys)

    async def active_for_update(self, account_id: UUID, key_id: UUID) -> ApiKey | None:
        key: ApiKey | None = await self._session.scalar(
            select(ApiKey)
            .where(
                ApiKey.id == key_id,
                ApiKey.account_id == account_id,
                ApiKey.revoked_at.is_(None),
            )
            .with_for_update()
        )
        return key

    async def active_by_hash(self, key_hash: str) -> ApiKey | None:
        key: ApiKey | None = await self._session.scalar(
            select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        )
        return key

    async def touch(self, key_id: UUID, now: datetime, at_most_every: timedelta) -> None:
        """Records a use, unless one was recorded within `at_most_every`: one conditional
        write a minute per key, however many requests and gateway replicas use it."""
        await self._session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - at_most_every),
            )
            .values(last_used_at=now)
        )

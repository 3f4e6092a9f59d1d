from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.inbound.models import InboundMessage
from shared.db import is_postgres


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_fingerprint(self, fingerprint: str) -> None:
        """Two copies of one MO handled at once (different partitions or replicas) must not
        both find no earlier copy. SQLite's BEGIN IMMEDIATE already serialises writers."""
        if is_postgres(self._session):
            lock_id = func.hashtextextended(f"dlr.mo:{fingerprint}", 0)
            await self._session.execute(select(func.pg_advisory_xact_lock(lock_id)))

    async def seen(self, fingerprint: str, received_from: datetime, received_to: datetime) -> bool:
        statement = select(
            exists().where(
                InboundMessage.fingerprint == fingerprint,
                InboundMessage.received_at >= received_from,
                InboundMessage.received_at <= received_to,
            )
        )
        return bool(await self._session.scalar(statement))

    async def add(self, message: InboundMessage) -> None:
        self._session.add(message)

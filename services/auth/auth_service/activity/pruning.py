"""Deletes activity records past the retention (AUTH_ACTIVITY_RETENTION_DAYS), a batch per
transaction, like the audit log's pruner."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.activity.service import purge_batch
from auth_service.config import AuthSettings
from shared.db import session_scope

log = logging.getLogger(__name__)

BATCH = 5000


class ActivityPruner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: AuthSettings,
        batch: int = BATCH,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._retention_days = settings.activity_retention_days
        self._batch = batch

    async def run_once(self) -> int:
        """Purges batch after batch until none is full; returns how many were deleted."""
        total = 0
        while True:
            async for session in session_scope(self._sessionmaker):
                deleted = await purge_batch(session, self._retention_days, self._batch)
            total += deleted
            if deleted < self._batch:
                break
        if total:
            log.info("purged %d activity records older than %d days", total, self._retention_days)
        return total

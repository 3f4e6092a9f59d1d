"""Deletes log records past their retention, a batch per transaction, so that a large
backlog never holds one long transaction or lock: the audit log (AUTH_AUDIT_RETENTION_DAYS)
and, with the same loop, the activity log (auth_service/activity/pruning.py)."""

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.audit.service import purge_batch
from auth_service.config import AuthSettings
from shared.db import session_scope

log = logging.getLogger(__name__)

BATCH = 1000
# (session, retention in days, batch size) -> how many rows it deleted
PurgeBatch = Callable[[AsyncSession, int, int], Awaitable[int]]


class BatchPruner:
    def __init__(
        self,
        what: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        purge: PurgeBatch,
        retention_days: int,
        batch: int,
    ) -> None:
        self._what = what
        self._sessionmaker = sessionmaker
        self._purge = purge
        self._retention_days = retention_days
        self._batch = batch

    async def run_once(self) -> int:
        """Purges batch after batch until none is full; returns how many were deleted."""
        total = 0
        while True:
            async for session in session_scope(self._sessionmaker):
                deleted = await self._purge(session, self._retention_days, self._batch)
            total += deleted
            if deleted < self._batch:
                break
        if total:
            log.info("purged %d %s older than %d days", total, self._what, self._retention_days)
        return total


class AuditPruner(BatchPruner):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: AuthSettings,
        batch: int = BATCH,
    ) -> None:
        super().__init__(
            "audit records", sessionmaker, purge_batch, settings.audit_retention_days, batch
        )

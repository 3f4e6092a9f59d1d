"""The periodic task the dispatch HTTP process runs to send scheduled messages on time.

Every instance runs one; the row locks (SKIP LOCKED) share the work out between them."""

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.scheduling import service
from shared.db import session_scope
from shared.events import utcnow

log = logging.getLogger(__name__)


class ScheduledReleaser:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        batch_size: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._batch_size = batch_size
        self._clock = clock

    async def release(self) -> int:
        """One round: every due message, a bounded batch per transaction."""
        released = 0
        while True:
            async for session in session_scope(self._sessionmaker):
                count = await service.release_due(session, self._clock(), self._batch_size)
            released += count
            if count < self._batch_size:
                break
        if released:
            log.info("released %d scheduled messages", released)
        return released

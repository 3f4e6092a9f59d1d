"""The periodic task the dispatch HTTP process runs: the receipt deadline, then the report.

Every instance runs one; the row locks (SKIP LOCKED) share the work out between them.
"""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.config import DispatchSettings
from dispatch_service.expiry import service
from dispatch_service.expiry.service import ReceiptDeadline
from shared.db import session_scope
from shared.events import utcnow

log = logging.getLogger(__name__)


class ReceiptSweeper:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: DispatchSettings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._deadline = ReceiptDeadline.from_settings(settings)
        self._batch_size = settings.receipt_sweep_batch_size
        self._stuck_after = timedelta(seconds=settings.stuck_part_seconds)

    async def sweep(self) -> int:
        """One round: every overdue part, one bounded batch per transaction, so no lock is
        held for long. Returns how many parts were timed out."""
        timed_out = 0
        while True:
            async for session in session_scope(self._sessionmaker):
                looked_at, moved = await service.time_out_overdue(
                    session, self._deadline, utcnow(), self._batch_size
                )
            timed_out += moved
            # A short batch: nothing left. No progress: what's left is locked elsewhere.
            if looked_at < self._batch_size or not moved:
                break
        if timed_out:
            log.info("receipt deadline: %d parts now %s", timed_out, self._deadline.status)
        async for session in session_scope(self._sessionmaker):
            await service.report_stuck(session, self._stuck_after, utcnow())
        return timed_out

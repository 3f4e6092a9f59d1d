"""Keeps the pending receipts bounded: those whose part never came are swept to the records."""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.receipts.service import sweep_pending
from shared.events import utcnow

log = logging.getLogger(__name__)


class PendingReceiptSweeper:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        ttl: timedelta,
        batch_size: int,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._ttl = ttl
        self._batch_size = batch_size
        self.swept = 0

    async def sweep(self) -> int:
        """One round: batch after batch, each its own short transaction, until none is full."""
        cutoff, total = utcnow() - self._ttl, 0
        while True:
            async with self._sessionmaker() as session, session.begin():
                swept = await sweep_pending(session, cutoff, self._batch_size)
            total += swept
            if swept < self._batch_size:
                break
        if total:
            log.info("swept %d receipts whose part never came to the unmatched records", total)
        self.swept += total
        return total

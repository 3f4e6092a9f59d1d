"""Long MOs whose parts never all came: after the reassembly window, what did arrive."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.config import DlrSettings
from dlr_service.inbound.service import sweep_incomplete
from shared.events import utcnow


class IncompleteMoSweeper:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: DlrSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock

    async def sweep(self) -> int:
        """One round: batch after batch, each its own short transaction, until none is full."""
        total, batch_size = 0, self._settings.sweep_batch_size
        while True:
            async with self._sessionmaker() as session, session.begin():
                swept = await sweep_incomplete(session, self._settings, self._clock(), batch_size)
            total += swept
            if swept < batch_size:
                break
        return total

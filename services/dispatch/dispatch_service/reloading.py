"""A value each dispatch process keeps from its database and loads again at most every so
often: what a request needs to decide (the backlog's counts, the accounts that may not
send) without a query per request. Requests arriving while a load runs wait for it
instead of each running their own."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass(frozen=True)
class Reloaded(Generic[T]):
    previous: T
    # Seconds since the previous load; None when this was the first.
    elapsed: float | None


class Reloading(Generic[T]):
    def __init__(self, load: Callable[[AsyncSession], Awaitable[T]], initial: T) -> None:
        self._load = load
        self.value = initial
        self.loaded_at: float | None = None
        self._loading = asyncio.Lock()
        # Bumped by `invalidate`: a load that began before it must not count as fresh.
        self._generation = 0

    async def refresh(self, session: AsyncSession, max_age: float) -> Reloaded[T] | None:
        """Load again if the value is older than `max_age` seconds; what it replaced when
        this call loaded it, None when it was fresh (or another request loaded it)."""
        if self._fresh(max_age):
            return None
        async with self._loading:
            if self._fresh(max_age):
                return None
            generation = self._generation
            loaded = await self._load(session)
            now = time.monotonic()
            elapsed = None if self.loaded_at is None else now - self.loaded_at
            reloaded = Reloaded(self.value, elapsed)
            self.value, self.loaded_at = loaded, now
            if generation != self._generation:
                self.loaded_at = None  # what it read may predate the change: load again
            return reloaded

    def invalidate(self) -> None:
        """This process just committed a change to what is loaded: the next `refresh`
        loads again whatever its age, so the change applies here at once."""
        self.loaded_at = None
        self._generation += 1

    def _fresh(self, max_age: float) -> bool:
        return self.loaded_at is not None and time.monotonic() - self.loaded_at < max_age

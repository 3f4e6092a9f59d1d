"""Limits kept in this process: right for one replica, development and tests."""

import time
from collections.abc import Callable

from shared.ratelimit.base import Decision, Rule, gcra


class MemoryRateLimiter:
    """GCRA state per key in a dict bounded by `max_keys`.

    A client can make up keys (one per IPv6 address it owns), so the dict must not grow
    without bound: keys whose state has run out are dropped as it fills, and past
    `max_keys` the least recently used go first (forgetting a key only lets it start afresh).
    """

    def __init__(
        self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_keys = max_keys
        self._clock = clock
        self._tats: dict[str, float] = {}

    async def hit(self, key: str, rule: Rule) -> Decision:
        now = self._clock()
        decision, new_tat = gcra(self._tats.get(key, 0.0), now, rule)
        if new_tat is not None:
            self._tats.pop(key, None)  # re-inserted last: the dict's order is recency
            self._tats[key] = new_tat
            if len(self._tats) > self._max_keys:
                self._evict(now)
        return decision

    def _evict(self, now: float) -> None:
        for key in [key for key, tat in self._tats.items() if tat <= now]:
            del self._tats[key]
        # Down to 90 %, so that a full dict of live keys is not scanned on every insert.
        excess = len(self._tats) - self._max_keys * 9 // 10
        for key in list(self._tats)[: max(excess, 0)]:
            del self._tats[key]

    def __len__(self) -> int:
        return len(self._tats)

    async def aclose(self) -> None:
        self._tats.clear()

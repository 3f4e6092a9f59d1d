"""How hard to push an SMSC that says ESME_RTHROTTLED.

Retrying each throttled part a second later forever keeps the SMSC at its limit and the
bind in trouble. Instead the whole bind pauses, longer each time the SMSC throttles again,
and shortens the pause step by step as submits are accepted again.
"""

BASE_PAUSE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 30.0


class Throttle:
    def __init__(self, base: float = BASE_PAUSE_SECONDS, limit: float = MAX_PAUSE_SECONDS) -> None:
        self._base, self._limit = base, limit
        self.pause = 0.0  # the current back-off step; 0 when the SMSC is happy
        self._until = 0.0

    def throttled(self, now: float) -> None:
        if now < self._until:
            return  # more answers from the same burst: already paused for them
        self.pause = self._base if self.pause == 0 else min(self.pause * 2, self._limit)
        self._until = now + self.pause

    def accepted(self) -> None:
        self.pause = 0.0 if self.pause <= self._base else self.pause / 2

    def wait_needed(self, now: float) -> float:
        """Seconds to hold back the next submit_sm."""
        return max(0.0, self._until - now)

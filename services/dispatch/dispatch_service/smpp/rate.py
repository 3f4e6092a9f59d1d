"""The submit rate an operator contracts per bind (TPS), as a token bucket.

The bucket holds at most `burst` tokens (default one), so submits are spaced evenly at
1/rate rather than sent in a burst at the top of each second: an SMSC that counts per
second, or over a sliding second, sees at most `rate` (+1 at a window's edge) either way.
"""


class TokenBucket:
    def __init__(self, rate: float | None, burst: float = 1.0) -> None:
        # None: no contracted limit, every submit may go at once.
        self.rate = rate
        self._burst = burst
        self._tokens = burst
        self._stamp: float | None = None

    def _refill(self, now: float) -> None:
        if self._stamp is not None and self.rate is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_needed(self, now: float) -> float:
        """Seconds until a submit may go; 0 when one may go now."""
        if self.rate is None:
            return 0.0
        self._refill(now)
        # The tolerance absorbs float rounding: a wait computed to refill exactly one token
        # may refill 0.9999999, and the tiny wait after it would not move the clock.
        return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self.rate

    def take(self, now: float) -> None:
        """One submit goes now; call only when `wait_needed` said 0."""
        if self.rate is not None:
            self._refill(now)
            self._tokens -= 1

"""A connection's circuit breaker: skip a link that keeps failing, probe it later.

closed: parts go. After `failures_to_open` failures in a row (a submit with no answer, a
generic_nack, ESME_RSYSERR) it opens: no new part is routed to it for `open_seconds`. Then
it is half-open: one part is routed to it as a probe; an answer closes it, a failure opens
it again. A definite answer of any other kind (even a refusal of that one message) counts
as the link working.
"""

import time
from collections.abc import Callable
from typing import Literal

CircuitState = Literal["closed", "open", "half_open"]


class Circuit:
    def __init__(
        self,
        failures_to_open: int,
        open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failures_to_open
        self._open_seconds = open_seconds
        self._clock = clock
        self._state: CircuitState = "closed"
        self._opened_at = 0.0
        self.failures_in_a_row = 0
        self.probe_out = False  # the half-open probe has been routed and not yet answered
        self._probe_at = 0.0

    @property
    def state(self) -> CircuitState:
        if self._state == "open" and self._clock() - self._opened_at >= self._open_seconds:
            self._state = "half_open"
            self.probe_out = False
        return self._state

    def routable(self) -> bool:
        state = self.state
        if state == "half_open" and self.probe_out:
            # A probe that never came back (its claim rolled back, say) must not keep the
            # link half-open for ever: after another open period, probe again.
            return self._clock() - self._probe_at >= self._open_seconds
        return state != "open"

    def routed(self) -> None:
        if self.state == "half_open":
            self.probe_out = True
            self._probe_at = self._clock()

    def probe_returned(self) -> None:
        """The probe part was taken back unsent (its link dropped): another may probe."""
        self.probe_out = False

    def seconds_until_probe(self) -> float:
        if self.state != "open":
            return 0.0
        return max(0.0, self._opened_at + self._open_seconds - self._clock())

    def succeeded(self) -> None:
        self.failures_in_a_row = 0
        if self._state != "closed":
            self._state = "closed"
            self.probe_out = False

    def failed(self) -> None:
        self.failures_in_a_row += 1
        if self.state == "half_open" or (
            self._state == "closed" and self.failures_in_a_row >= self._threshold
        ):
            self._state = "open"
            self._opened_at = self._clock()
            self.probe_out = False

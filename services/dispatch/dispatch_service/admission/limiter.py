"""At most `intake_max_in_flight` intake requests of a process at once; one that can't start
within `intake_max_wait_seconds` is refused 503 `overloaded` with Retry-After.

Past its capacity a process (and the database behind it) answers every request later, not
more of them: a queue without bound turned a 100/s burst into 10-25 s waits for everyone
(docs/performance.md). A client of Twilio expects a fast, retryable refusal instead; the
requests let in keep their usual latency. The limit is per process, so it grows with the
replicas.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from prometheus_client import Counter

from dispatch_service.config import DispatchSettings
from shared.errors import ProblemError, problem_response_doc

SHED = Counter(
    "dispatch_intake_overloaded_total", "Intake requests refused 503 overloaded, not started"
)


class Overloaded(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            503,
            "overloaded",
            "Over capacity",
            "The platform is taking in as many messages as it can; nothing was accepted, "
            "try again shortly",
            headers={"Retry-After": str(retry_after)},
        )


# For the `responses` of every operation that takes in messages.
OVERLOADED_RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        **problem_response_doc(503),
        "description": "`overloaded`: more requests than the service takes in at once; "
        "nothing was accepted, retry after `Retry-After` seconds",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        },
    }
}


class IntakeLimiter:
    def __init__(self, max_in_flight: int | None, max_wait_seconds: float, retry_after: int):
        self._slots = asyncio.Semaphore(max_in_flight) if max_in_flight else None
        self._max_wait = max_wait_seconds
        self._retry_after = retry_after

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Held for the request's whole handling, its commit included."""
        if self._slots is None:
            yield
            return
        try:
            async with asyncio.timeout(self._max_wait):
                await self._slots.acquire()
        except TimeoutError:
            SHED.inc()
            raise Overloaded(self._retry_after) from None
        try:
            yield
        finally:
            self._slots.release()


def _limiter(request: Request) -> IntakeLimiter:
    # One per app (so per process), made on first use.
    state = request.app.state
    limiter: IntakeLimiter | None = getattr(state, "intake_limiter", None)
    if limiter is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        limiter = state.intake_limiter = IntakeLimiter(
            settings.intake_max_in_flight,
            settings.intake_max_wait_seconds,
            settings.intake_retry_after_seconds,
        )
    return limiter


async def _intake_slot(request: Request) -> AsyncIterator[None]:
    # A context manager, so that the handler's exception, thrown in at this yield, still
    # gives the slot back at once.
    async with _limiter(request).slot():
        yield


IntakeSlot = Annotated[None, Depends(_intake_slot)]

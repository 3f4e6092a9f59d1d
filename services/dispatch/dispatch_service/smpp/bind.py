"""One of the connector's binds to the SMSC: its session, its pace and its figures.

Operators contract a rate per bind and throttle per bind, so each bind keeps its own
window (in its session), its own token bucket and its own throttle back-off; a bind the
SMSC slows down takes no new parts while the others carry on.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from smpplib import consts

from dispatch_service.smpp import metrics
from dispatch_service.smpp.rate import TokenBucket
from dispatch_service.smpp.session import SessionClosed, SmppSession
from dispatch_service.smpp.throttle import Throttle

log = logging.getLogger(__name__)

# submit_sm_resp statuses that say "this bind goes too fast" (SMPP 3.4, 5.1.3): the bind
# pauses, longer each time, and the part is queued again.
SLOW_DOWN_STATUSES = frozenset({consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL})
RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS = 0.5, 30.0
# How often a bind whose session just closed looks again for the next one.
REBIND_POLL_SECONDS = 0.01

OpenSession = Callable[[], Awaitable[SmppSession]]


class Bind:
    def __init__(
        self, number: int, tps: float | None, on_change: Callable[[], None], link: str = "default"
    ) -> None:
        self.number = number
        self.link = link
        labels = (link, str(number))
        self._up = metrics.BOUND.labels(*labels)
        self._in_flight = metrics.IN_FLIGHT.labels(*labels)
        self._submitted = metrics.SUBMITTED.labels(*labels)
        self._throttled = metrics.THROTTLED.labels(*labels)
        self._answer_seconds = metrics.RESPONSE_SECONDS.labels(link)
        self._up.set(0)
        self.session: SmppSession | None = None
        self.throttle = Throttle()
        self.bucket = TokenBucket(tps)
        self._on_change = on_change
        self._bound = asyncio.Event()
        # Figures for the periodic report; counted since the process started.
        self.in_flight = 0
        self.submitted = 0  # submit_sm written
        self.sent = 0  # accepted by the SMSC
        self.throttled = 0  # answered ESME_RTHROTTLED or ESME_RMSGQFUL
        self._submitted_at_report = 0
        self._state_at_report: tuple[object, ...] = ()

    @property
    def is_bound(self) -> bool:
        return self._bound.is_set()

    async def stay_connected(self, open_session: OpenSession, smsc: str) -> None:
        backoff = RECONNECT_MIN_SECONDS
        while True:
            try:
                session = await open_session()
            except (OSError, TimeoutError) as exc:
                log.warning(
                    "bind %d cannot bind to SMSC %s (%s); retrying in %.1fs",
                    self.number,
                    smsc,
                    exc,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RECONNECT_MAX_SECONDS)
                continue
            log.info("bind %d bound to SMSC %s", self.number, smsc)
            backoff = RECONNECT_MIN_SECONDS
            self.session = session
            self._bound.set()
            self._up.set(1)
            self._on_change()
            try:
                await session.closed.wait()
            finally:
                # On shutdown (cancellation) unbind politely instead of dropping the socket.
                self._bound.clear()
                self._up.set(0)
                self.session = None
                self._on_change()
                await asyncio.shield(session.close())

    async def ready(self) -> SmppSession:
        """Waits until this bind may send a submit_sm now: bound, not paused by the SMSC,
        within its rate, and with a window slot, which it holds for the caller."""
        loop = asyncio.get_running_loop()
        while True:
            await self._bound.wait()
            session = self.session
            if session is None or session.closing:
                # Closed or closing, and stay_connected hasn't noticed yet: wait rather than
                # spin. Nothing below would yield (a set Event and a free semaphore return at
                # once), so spinning here would starve the very reader that marks it closed.
                await asyncio.sleep(REBIND_POLL_SECONDS)
                continue
            if (pause := self.throttle.wait_needed(loop.time())) > 0:
                log.info("SMSC slows bind %d down; pausing its submits %.1fs", self.number, pause)
                await asyncio.sleep(pause)
                continue
            if (wait := self.bucket.wait_needed(loop.time())) > 0:
                await asyncio.sleep(wait)
                continue
            try:
                await session.reserve()
            except SessionClosed:
                await asyncio.sleep(REBIND_POLL_SECONDS)
                continue
            if self.throttle.wait_needed(loop.time()) > 0:
                # Throttled while we waited for the window (its answers freed the slots).
                session.unreserve()
                continue
            return session

    def may_send_now(self, session: SmppSession) -> bool:
        """After waiting for a part: is the slot from `ready` still good to use?"""
        now = asyncio.get_running_loop().time()
        return (
            self.session is session and not session.closing and self.throttle.wait_needed(now) == 0
        )

    def sending(self) -> float:
        """Counts a submit_sm written now; returns the time, for `answered`."""
        now = asyncio.get_running_loop().time()
        self.bucket.take(now)
        self.submitted += 1
        self.in_flight += 1
        self._submitted.inc()
        self._in_flight.inc()
        return now

    def answered(self, status: int | None, sent_at: float | None = None) -> None:
        """`status` of the submit_sm_resp; None when there was no usable answer."""
        self.in_flight -= 1
        self._in_flight.dec()
        metrics.ANSWERED.labels(
            self.link, str(self.number), metrics.command_status_label(status)
        ).inc()
        if status is None:
            return
        if sent_at is not None:
            self._answer_seconds.observe(asyncio.get_running_loop().time() - sent_at)
        if status in SLOW_DOWN_STATUSES:
            self.throttled += 1
            self._throttled.inc()
            self.throttle.throttled(asyncio.get_running_loop().time())
        elif status == consts.SMPP_ESME_ROK:
            self.sent += 1
            self.throttle.accepted()

    def report(self, interval: float) -> str | None:
        """The bind's figures for the last `interval` seconds; None when it was idle and
        stayed as it was, so that an idle platform's log isn't a line per bind every few
        seconds."""
        submitted = self.submitted - self._submitted_at_report
        self._submitted_at_report = self.submitted
        state = (self.is_bound, self.sent, self.throttled, self.throttle.pause)
        if not submitted and not self.in_flight and state == self._state_at_report:
            return None
        self._state_at_report = state
        limit = "unlimited" if self.bucket.rate is None else f"{self.bucket.rate:g}/s"
        return (
            f"bind {self.number}: {'bound' if self.is_bound else 'unbound'}, "
            f"in flight {self.in_flight}, sent {self.sent}, throttled {self.throttled}, "
            f"rate {submitted / interval:.1f} submit_sm/s (limit {limit}), "
            f"pause {self.throttle.pause:g}s"
        )

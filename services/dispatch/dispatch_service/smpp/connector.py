"""Moves queued message parts to the SMSC and brings back what the SMSC says.

The database is the queue: parts become `queued` when billing authorises the charge, and
the connector claims them from there. So a restart or a dropped connection loses nothing:
a part without a recorded submit_sm_resp is still `queued` and is simply sent again (on
whichever bind is up: one connector process holds every bind of its link, under one lock).
Each part row counts its submit attempts, so a duplicate at the SMSC can be explained.

Several named SMSC links (smsc/config.py) may be configured; each claimed part is routed to
the first usable link of its route (smsc/routing.py) and waits in that link's queue. A part
whose previous submit got no answer may already be at that SMSC, so it goes again only
over that same link (`PartToSend.pinned_smsc`), however long the link is down: a failover
never sends a part a second time elsewhere. Parts merely claimed for a link that drops are
given back (their attempt forgotten) and routed afresh.

Connections and routes kept in files are read again while it runs (smsc/reload.py): a new
connection binds, a removed or changed one stops taking parts, waits for the answers it
owes and unbinds, and parts claimed under the old routes are routed afresh.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar
from uuid import UUID

from smpplib import consts
from smpplib.command import Command
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.messages import repository
from dispatch_service.smpp import metrics, outcomes
from dispatch_service.smpp.bind import SLOW_DOWN_STATUSES, Bind
from dispatch_service.smpp.link import Link
from dispatch_service.smpp.link_lock import LinkLock, LinkLockLost
from dispatch_service.smpp.session import SessionClosed, SmppSession
from dispatch_service.smpp.submission import decode_short_message, submit_sm_fields
from dispatch_service.smpp.wire import text_field
from dispatch_service.smsc import repository as health
from dispatch_service.smsc.config import SmscConnection
from dispatch_service.smsc.reload import reread, same_setup
from dispatch_service.smsc.routing import Router
from shared import tracing
from shared.events import DeliverSmReceived, MessagePartFailed, MessagePartSubmitted
from shared.outage import is_database_outage
from shared.outbox import add_event
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

PartKey = tuple[UUID, int]
# submit_sm_resp statuses that say "not now" rather than "never" (SMPP 3.4, 5.1.3): the
# part is queued again after a back-off instead of failing. ESME_RTHROTTLED: we exceed the
# agreed rate; ESME_RMSGQFUL: the SMSC's queue is full; ESME_RSYSERR: the SMSC failed
# internally, not because of the message. Everything else fails the part with its code.
RETRYABLE_STATUSES = frozenset(
    {consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL, consts.SMPP_ESME_RSYSERR}
)
RETRY_BASE_SECONDS, RETRY_MAX_SECONDS = 1.0, 60.0
MAX_BATCH = 500
# How long the bookkeeping waits after the first answer (or deliver_sm) for more to come, so
# that one transaction records many: answers trickle in one by one at an SMSC's latency, and
# a transaction per trickle kept the event loop that writes submit_sm busy.
BOOKKEEPING_LINGER_SECONDS = 0.02
IDLE_POLL_MIN_SECONDS, IDLE_POLL_MAX_SECONDS = 0.02, 0.2
# While a route is dead and nothing else is queued, the claim still reads past its backlog
# each time (about 0.1-0.3 s of database time per claim with 30,000 parts queued): poll at
# most this often then; a bind coming up wakes the claim at once.
DEAD_ROUTE_POLL_MAX_SECONDS = 1.0
# A part found to have no usable link on its route (one the claim could not filter out by
# number prefix, see Router.dead_ranges) is left in the database this long before it is
# claimed again (it counts no attempt meanwhile).
NO_ROUTE_RETRY_SECONDS = 1.0
# How often links are checked for parts to give back (a link dropped or its circuit opened).
WATCH_LINKS_SECONDS = 0.2
DB_RETRY_MIN_SECONDS, DB_RETRY_MAX_SECONDS = 0.2, 10.0

T = TypeVar("T")
_Work = Callable[[AsyncSession], Awaitable[T]]


@dataclass(frozen=True)
class SubmitOutcome:
    part: repository.PartToSend
    response: Command
    link: str


@dataclass(frozen=True)
class Delivery:
    session: SmppSession
    pdu: Command
    link: str


class Connector:
    """The binds of every SMSC link, fed from one claim loop: claimed parts wait in their
    link's queue until one of its binds can send one at once (bound, not slowed down by the
    SMSC, within its TPS, window not full), so a slow or dropped bind holds up nothing."""

    def __init__(self, settings: DispatchSettings, runtime: ServiceRuntime) -> None:
        self._settings = settings
        self._runtime = runtime
        self._any_bound = asyncio.Event()
        self._sending = asyncio.Event()  # cleared while the link lock is lost
        self.links = {c.name: self._new_link(c) for c in settings.connections()}
        self._router = Router(settings.connections(), settings.smsc_routes)
        # A reload swaps links and the router only between two claims (see _claim_queued_parts).
        self._config_lock = asyncio.Lock()
        self._tasks: asyncio.TaskGroup | None = None
        # Each link's (stay_connected, feed) tasks, so a reload can retire one link.
        self._link_tasks: dict[Link, list[tuple[asyncio.Task[None], asyncio.Task[None]]]] = {}
        self._inflight: set[PartKey] = set()  # claimed and not yet answered: not claimed again
        self._wanted = asyncio.Event()
        self._links_changed = asyncio.Event()
        self._skipping = False  # the last claim left a dead route's parts in the database
        self._outcomes: asyncio.Queue[SubmitOutcome] = asyncio.Queue()
        self._deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        self._retries: dict[PartKey, int] = {}
        self.submitted = 0

    @property
    def binds(self) -> list[Bind]:
        return [bind for link in self.links.values() for bind in link.binds]

    @property
    def _queue_target(self) -> int:
        return sum(link.queue_target for link in self.links.values())

    def _new_link(self, connection: SmscConnection) -> Link:
        settings = self._settings
        return Link(
            connection,
            self._bind_changed,
            settings.smsc_failures_to_open,
            settings.smsc_open_seconds,
        )

    @property
    def is_bound(self) -> bool:
        return self._any_bound.is_set()

    def _bind_changed(self) -> None:
        self._links_changed.set()
        if any(bind.is_bound for bind in self.binds):
            self._any_bound.set()
        else:
            self._any_bound.clear()

    async def run(self) -> None:
        lock = LinkLock(self._runtime.engine, self._settings.smpp_link_name)
        while True:
            async with lock.held():
                self._reset()
                try:
                    async with asyncio.TaskGroup() as tasks:
                        self._tasks = tasks
                        tasks.create_task(self._keep_lock(lock))
                        tasks.create_task(self._claim_queued_parts())
                        for link in self.links.values():
                            self._start_link(link)
                        tasks.create_task(self._watch_links())
                        tasks.create_task(self._reload_setup())
                        tasks.create_task(self._report_health())
                        tasks.create_task(self._record_outcomes())
                        tasks.create_task(self._record_deliveries())
                        tasks.create_task(self._report_figures())
                except* LinkLockLost:
                    # Another connector owns the link, or may soon: queue up for it again.
                    log.warning("unbinding from the SMSCs and waiting for the link lock")
                finally:
                    self._tasks = None

    def _start_link(self, link: Link) -> None:
        assert self._tasks is not None
        opener = partial(self._open_session, link)
        self._link_tasks[link] = [
            (
                self._tasks.create_task(bind.stay_connected(opener, link.smsc)),
                self._tasks.create_task(self._feed(link, bind)),
            )
            for bind in link.binds
        ]

    async def _keep_lock(self, lock: LinkLock) -> None:
        """Pauses submitting while the lock is lost; raises LinkLockLost (ending the binds)
        if it can't be taken back soon.

        Why pausing is enough, with the binds kept: the lock lives in a PostgreSQL session,
        so when its connection dies with the server, nobody can take it until the server is
        back, and we stop putting submit_sm on the wire as soon as we notice. Another
        connector that takes it then only overlaps with the submits already in flight:
        their parts are still `queued` until their answers are recorded, just as when we
        unbind (that is the known at-most-one-window resend). Staying bound lets those
        answers arrive and be recorded, and if we take the lock back ourselves, nobody else
        sent meanwhile except a connector that took it and lost it again in between: so we
        drop the parts claimed but not sent, and claim afresh from the database.
        This rests on noticing the loss before another connector can take the lock: asyncpg
        reports a closed socket at once (LinkLock._hold). A session the server ends without
        the socket closing (a network partition, then a TCP keepalive timeout on the server
        side) is only noticed by the periodic check, up to 2 * CHECK_SECONDS late."""
        within = self._settings.smpp_lock_regain_seconds
        if within is None:
            within = self._settings.smpp_response_timeout_seconds + 5
        while True:
            try:
                await lock.watch()
            except LinkLockLost as lost:
                self._sending.clear()
                log.warning(
                    "%s; no new submit_sm until the lock is back (%.0fs at most)", lost, within
                )
                if not await lock.regain(within):
                    raise
                await self._drop_claimed()
                self._sending.set()
                log.info("link lock back; submitting again on the same binds")

    def _queued(self) -> int:
        return sum(link.ready.qsize() for link in self.links.values())

    def _take_all_claimed(self) -> list[repository.PartToSend]:
        return [part for link in self.links.values() for part in _take_all(link.ready)]

    async def _drop_claimed(self) -> None:
        unsent = [(p.message_id, p.part_index) for p in self._take_all_claimed()]
        self._inflight.difference_update(unsent)
        # Best effort and bounded: if the database went again we must get back to watching
        # the lock; a count left behind only shows the part as resent.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                async with self._runtime.sessionmaker() as db, db.begin():
                    await repository.forget_submit_attempts(db, unsent)

    def _reset(self) -> None:
        # Whatever was in flight under a lost lock is still `queued` in the database.
        self._sending = asyncio.Event()
        self._sending.set()
        self._inflight = set()
        for link in self.links.values():
            link.ready = asyncio.Queue()
        self._wanted = asyncio.Event()
        self._outcomes = asyncio.Queue()
        self._deliveries = asyncio.Queue()
        self._retries = {}

    async def _open_session(self, link: Link) -> SmppSession:
        settings, connection = self._settings, link.connection
        try:
            return await SmppSession.open(
                connection.host,
                connection.port,
                connection.system_id,
                connection.password,
                connection.window,
                partial(self._on_deliver, link.name),
                settings.smpp_enquire_link_seconds,
                settings.smpp_response_timeout_seconds,
                settings.smpp_max_timeouts_in_a_row,
                metrics.ENQUIRE_LINK_SECONDS.labels(link.name).observe,
                tls=link.tls,
            )
        except Exception as exc:
            link.error(f"bind failed: {exc!r}")
            raise

    async def _claim_queued_parts(self) -> None:
        # The HTTP process can't wake us across processes, so poll: quickly while parts keep
        # coming, backing off when idle so an idle connector doesn't hammer the database.
        idle_wait = IDLE_POLL_MIN_SECONDS
        try:
            while True:
                await self._any_bound.wait()
                await self._sending.wait()
                if self._queued() * 2 >= self._queue_target:
                    self._wanted.clear()
                    await self._wanted.wait()
                    continue
                async with self._config_lock:
                    # Held until the parts are in their links' queues: a link a reload
                    # removed meanwhile would keep them where nothing sends.
                    limit = self._queue_target - self._queued()
                    routed, unroutable = await self._with_retries(
                        partial(self._claim, limit=limit), "claiming queued parts"
                    )
                    if unroutable:
                        self._no_route(unroutable)
                    for part, link in routed:
                        link.ready.put_nowait(part)
                if not routed:
                    self._links_changed.clear()
                    # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation
                    # that arrives as the event is set (a shutdown unbinds, which sets it),
                    # and the connector would never stop.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(idle_wait):
                            await self._links_changed.wait()
                    ceiling = (
                        DEAD_ROUTE_POLL_MAX_SECONDS if self._skipping else IDLE_POLL_MAX_SECONDS
                    )
                    idle_wait = min(idle_wait * 2, ceiling)
                    continue
                idle_wait = IDLE_POLL_MIN_SECONDS
        except asyncio.CancelledError:
            # Shutting down: best effort, so a restart doesn't report these as resent.
            unsent = [(p.message_id, p.part_index) for p in self._take_all_claimed()]
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    async with self._runtime.sessionmaker() as db, db.begin():
                        await repository.forget_submit_attempts(db, unsent)
            raise

    async def _claim(
        self, db: AsyncSession, *, limit: int
    ) -> tuple[list[tuple[repository.PartToSend, Link]], list[repository.PartToSend]]:
        # Destinations whose route has no usable link now stay in the database, however
        # many: otherwise a dead route's backlog, being the oldest, would fill every claim.
        dead = self._router.dead_ranges(lambda name: self.links[name].routable())
        self._skipping = bool(dead)
        parts = await repository.claim_queued_parts(
            db, limit=limit, exclude=self._inflight, skip=dead, links=self.links.keys()
        )
        routed, unroutable = [], []
        by_link: dict[str, list[PartKey]] = {}
        for part in parts:
            if (link := self._route(part)) is None:
                unroutable.append(part)
                continue
            routed.append((part, link))
            by_link.setdefault(link.name, []).append((part.message_id, part.part_index))
        # Counted (with the link) before they go on the wire: a crash right after sending
        # still leaves a record that this SMSC may have them. One statement per link.
        for name, keys in by_link.items():
            await repository.record_submit_attempts(db, keys, name)
        self._inflight.update((part.message_id, part.part_index) for part in parts)
        return routed, unroutable

    def _route(self, part: repository.PartToSend) -> Link | None:
        pinned = self.links.get(part.pinned_smsc) if part.pinned_smsc else None
        if pinned is not None:
            # Its last submit there got no answer: that SMSC may have it. There or nowhere.
            return pinned
        name = self._router.choose(part.to_number, lambda n: self.links[n].routable())
        if name is None:
            return None
        link = self.links[name]
        link.circuit.routed()
        return link

    def _no_route(self, parts: list[repository.PartToSend]) -> None:
        log.warning(
            "%d queued parts have no usable SMSC link on their route; looking again in %.0fs",
            len(parts),
            NO_ROUTE_RETRY_SECONDS,
        )
        loop = asyncio.get_running_loop()
        for part in parts:
            loop.call_later(
                NO_ROUTE_RETRY_SECONDS, self._inflight.discard, (part.message_id, part.part_index)
            )

    async def _watch_links(self) -> None:
        """Gives back the parts claimed for a link that dropped or whose circuit opened, so
        they are routed afresh, except those pinned to it (see `_route`)."""
        while True:
            await asyncio.sleep(WATCH_LINKS_SECONDS)
            for link in list(self.links.values()):
                if link.ready.empty() or (link.is_bound and link.circuit.state != "open"):
                    continue
                if given_back := self._take_back(link, keep_pinned=True):
                    log.info("link %s is down: routing %d parts afresh", link.name, len(given_back))
                    await self._give_back(given_back)

    def _take_back(self, link: Link, *, keep_pinned: bool) -> list[PartKey]:
        """Takes the parts waiting in `link`'s queue out of it (those pinned to it stay
        when `keep_pinned`)."""
        taken = []
        for part in _take_all(link.ready):
            if keep_pinned and part.pinned_smsc == link.name:
                link.ready.put_nowait(part)
            else:
                taken.append((part.message_id, part.part_index))
        if taken:
            link.circuit.probe_returned()
        return taken

    async def _give_back(self, keys: list[PartKey]) -> None:
        # Their attempt is forgotten before they can be claimed again, so that nothing pins
        # them to the link they waited for: none of them was written to it.
        await self._with_retries(partial(_forget, keys=keys), "giving back a link's parts")
        self._inflight.difference_update(keys)
        self._wanted.set()

    async def _reload_setup(self) -> None:
        """Reads the connection and route files again every `smsc_reload_seconds` and
        applies what changed; a refused file changes nothing and is logged once."""
        refused: str | None = None
        while True:
            await asyncio.sleep(self._settings.smsc_reload_seconds)
            try:
                fresh = reread(self._settings)
                if fresh is not None and not same_setup(fresh, self._settings):
                    await self.apply(fresh)
            except ValueError as exc:
                if str(exc) != refused:
                    log.error("SMSC configuration refused, keeping the running one: %s", exc)
                refused = str(exc)
                continue
            refused = None

    async def apply(self, fresh: DispatchSettings) -> None:
        """Runs `fresh`'s connections and routes from now on. Links whose connection is
        unchanged keep their binds; parts they hold that are not pinned to them are routed
        afresh under the new routes. Removed or changed connections are retired: they take
        no new part, get the answers they owe (so nothing they sent is sent elsewhere
        unanswered), then unbind; a changed one binds again with its new settings after.
        Raises ValueError, changing nothing, when a connection's link can't be made."""
        try:
            # Made before anything changes: a TLS file that passed the checks may still not
            # load (not PEM, say), and then nothing must change.
            links = {
                c.name: link
                if (link := self.links.get(c.name)) and link.connection == c
                else self._new_link(c)
                for c in fresh.connections()
            }
        except (OSError, ValueError) as exc:
            raise ValueError(f"a connection can't be made: {exc!r}") from exc
        async with self._config_lock:
            retired = [old for name, old in self.links.items() if links.get(name) is not old]
            self.links = links
            self._router = Router(fresh.connections(), fresh.smsc_routes)
            self._settings = fresh
            given_back = [k for old in retired for k in self._take_back(old, keep_pinned=False)]
            for link in links.values():
                given_back += self._take_back(link, keep_pinned=True)
            if given_back:
                await self._give_back(given_back)
        log.info(
            "SMSC configuration reloaded: %d connections (%s), %d routes; retiring %s",
            len(links),
            ", ".join(links),
            len(fresh.smsc_routes),
            ", ".join(link.name for link in retired) or "none",
        )
        replacing = {link.name for link in retired}
        fresh_links = [link for link in links.values() if link not in self._link_tasks]
        # New names bind at once; a changed connection only once its old binds are gone,
        # so that the two never both count as that link's binds (its metrics, its health).
        self._start_links([link for link in fresh_links if link.name not in replacing])
        for link in retired:
            await self._retire(link)
        self._start_links([link for link in fresh_links if link.name in replacing])
        self._bind_changed()

    def _start_links(self, links: list[Link]) -> None:
        # Outside the task group (the link lock is being waited for) run() starts them.
        if self._tasks is not None:
            for link in links:
                if self.links.get(link.name) is link:
                    self._start_link(link)

    async def _retire(self, link: Link) -> None:
        tasks = self._link_tasks.pop(link, [])
        for _, feeder in tasks:
            feeder.cancel()
        # Answers still owed come back over its binds and are recorded as usual.
        deadline = self._settings.smpp_response_timeout_seconds + 1
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(deadline):
                while any(bind.in_flight for bind in link.binds):
                    await asyncio.sleep(0.05)
        for binder, _ in tasks:
            binder.cancel()  # unbinds politely (Bind.stay_connected)
        await asyncio.gather(*(task for pair in tasks for task in pair), return_exceptions=True)
        self._bind_changed()

    async def _feed(self, link: Link, bind: Bind) -> None:
        """Gives `bind` the next part claimed for its link each time it can send one."""
        source_ton, source_npi = self._settings.smpp_source_ton, self._settings.smpp_source_npi
        while True:
            if (wait := link.circuit.seconds_until_probe()) > 0:
                # Open circuit: only parts pinned here wait in its queue; they go with the
                # probe once it is half-open.
                await asyncio.sleep(min(wait, 1.0))
                continue
            session = await bind.ready()
            try:
                part = await link.ready.get()
            except asyncio.CancelledError:
                session.unreserve()
                raise
            if self._queued() * 2 < self._queue_target:
                self._wanted.set()
            if not self._sending.is_set():
                # The link lock is lost: not one more submit_sm until it is back.
                session.unreserve()
                link.ready.put_nowait(part)
                await self._sending.wait()
                continue
            if not bind.may_send_now(session):
                # The bind dropped or was slowed down while it waited: another one sends it.
                session.unreserve()
                link.ready.put_nowait(part)
                continue
            if part.pinned_smsc != link.name and link.circuit.state == "open":
                # The circuit opened while this bind waited: the part is routed afresh.
                session.unreserve()
                link.ready.put_nowait(part)
                continue
            fields = submit_sm_fields(part, source_ton, source_npi)
            try:
                future = session.submit_reserved(**fields)
            except SessionClosed:
                link.ready.put_nowait(part)
                continue
            sent_at = bind.sending()
            future.add_done_callback(partial(self._on_response, link, bind, part, sent_at))

    def _on_response(
        self,
        link: Link,
        bind: Bind,
        part: repository.PartToSend,
        sent_at: float,
        future: "asyncio.Future[Command]",
    ) -> None:
        if future.cancelled() or future.exception() is not None:
            # No (readable) answer: the part is still `queued` in the database and goes
            # again, over this link only (its attempt there stays unanswered, so it is
            # pinned here, and the resend is on record).
            bind.answered(None)
            exc = None if future.cancelled() else future.exception()
            if isinstance(exc, SessionClosed):
                # The connection went: its binds being down already keeps parts away, and a
                # full window failing at once is one fault, not many.
                link.error(f"connection lost with submit_sm in flight: {exc}")
            elif exc is not None:
                link.failed(f"no answer to submit_sm: {exc!r}")
            self._inflight.discard((part.message_id, part.part_index))
            return
        response = future.result()
        nacked_without_status = response.command == "generic_nack" and not response.status
        bind.answered(None if nacked_without_status else response.status, sent_at)
        if response.command == "generic_nack" or response.status == consts.SMPP_ESME_RSYSERR:
            # The SMSC could not read our PDU, or failed internally: the link's fault.
            link.failed(f"{response.command} {response.status:#04x}")
        elif response.status not in SLOW_DOWN_STATUSES:
            link.circuit.succeeded()
        self._outcomes.put_nowait(SubmitOutcome(part, response, link.name))

    async def _report_figures(self) -> None:
        interval = self._settings.smpp_report_seconds
        while True:
            await asyncio.sleep(interval)
            for bind in self.binds:
                if (figures := bind.report(interval)) is not None:
                    log.info("SMPP link %s %s", bind.link, figures)

    async def _report_health(self) -> None:
        """Stores every link's health for the API process (GET /v1/ops/smsc), which can't
        see this one's memory. Best effort: a database outage must not stop sending."""
        interval = self._settings.smsc_health_report_seconds
        while True:
            now = datetime.now(UTC)
            rows = [health.snapshot(link, now) for link in self.links.values()]
            try:
                async with asyncio.timeout(max(interval, 2.0)):
                    async with self._runtime.sessionmaker() as db, db.begin():
                        await health.store(db, rows)
            except Exception as exc:
                log.warning("could not store the SMSC links' health: %r", exc)
            await asyncio.sleep(interval)

    async def _record_outcomes(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await _drain(self._outcomes, BOOKKEEPING_LINGER_SECONDS)
            retry_later: set[PartKey] = set()
            # Parts are claimed from the database, where no trace context is kept: each batch
            # of answers starts a trace, which the part_submitted events carry on to dlr.
            with tracing.span("smpp submit_sm_resp record", **{"smsgw.parts": len(batch)}):
                await self._with_retries(
                    partial(self._apply_outcomes, batch=batch, retry=retry_later),
                    "recording submit responses",
                )
            for outcome in batch:
                key = (outcome.part.message_id, outcome.part.part_index)
                if key in retry_later:
                    # Stays excluded from claiming until its back-off is over.
                    tries = self._retries[key] = self._retries.get(key, 0) + 1
                    delay = min(RETRY_BASE_SECONDS * 2 ** (tries - 1), RETRY_MAX_SECONDS)
                    loop.call_later(delay, self._inflight.discard, key)
                else:
                    self._retries.pop(key, None)
                    self._inflight.discard(key)
            self._runtime.relay.notify()

    async def _apply_outcomes(
        self, db: AsyncSession, *, batch: list[SubmitOutcome], retry: set[PartKey]
    ) -> None:
        now = datetime.now(UTC)
        # One lock query for the whole batch, and no ORM for the common answer: this runs
        # on the loop that writes submit_sm (see outcomes.py).
        present = await outcomes.lock_messages(db, {o.part.message_id for o in batch})
        answered: list[PartKey] = []
        accepted: dict[str, list[outcomes.Accepted]] = {}
        refused: list[SubmitOutcome] = []
        for outcome in batch:
            part, resp = outcome.part, outcome.response
            key = (part.message_id, part.part_index)
            if part.message_id not in present:
                log.error("submitted part of a message that is gone: %s", part.message_id)
                continue
            if resp.command == "generic_nack" or resp.status in RETRYABLE_STATUSES:
                # A nack means the SMSC couldn't even read our request: nothing was taken.
                log.info(
                    "SMSC answered %s %#x for %s part %d; retrying later",
                    resp.command,
                    resp.status,
                    part.message_id,
                    part.part_index,
                )
                retry.add(key)
                answered.append(key)
            elif resp.status == consts.SMPP_ESME_ROK:
                smsc_id = text_field(resp.message_id) or ""
                accepted.setdefault(outcome.link, []).append(
                    outcomes.Accepted(part.message_id, part.part_index, part.account_id, smsc_id)
                )
                answered.append(key)
                add_event(
                    db,
                    Outbox,
                    MessagePartSubmitted(
                        account_id=part.account_id,
                        message_id=part.message_id,
                        part_index=part.part_index,
                        smsc_message_id=smsc_id,
                        submitted_at=now,
                        smsc=outcome.link,
                    ),
                )
                self.submitted += 1
            else:
                refused.append(outcome)
        await outcomes.count_answers(db, answered)
        for link, parts in accepted.items():  # one link in the common case
            await outcomes.mark_sent(db, parts, now, link)
        if refused:
            await self._fail_refused(db, refused, now)

    async def _fail_refused(
        self, db: AsyncSession, refused: list[SubmitOutcome], now: datetime
    ) -> None:
        """Parts the SMSC refused for good: rare, so through the state machine's objects."""
        messages = await repository.lock_many(db, {o.part.message_id for o in refused})
        for outcome in refused:
            part, resp = outcome.part, outcome.response
            message = messages[part.message_id]
            message.part(part.part_index).answered_attempts += 1
            error_code = f"smpp_{resp.status:#04x}"
            moved = message.record_part(
                part.part_index,
                "failed",
                now,
                error_code=error_code,
                reason=resp.get_status_desc(),
                smsc=outcome.link,
            )
            if moved:
                # Only when the part's status moved: a repeated answer refunds nothing twice
                # (billing's refund key holds that line as well).
                add_event(
                    db,
                    Outbox,
                    MessagePartFailed(
                        account_id=part.account_id,
                        message_id=part.message_id,
                        part_index=part.part_index,
                        error_code=error_code,
                    ),
                )

    async def _on_deliver(self, link: str, session: SmppSession, pdu: Command) -> None:
        # The session comes with the PDU: right after bind, before `open` has returned,
        # the SMSC may already be flushing receipts it held for us.
        self._deliveries.put_nowait(Delivery(session, pdu, link))

    async def _record_deliveries(self) -> None:
        while True:
            batch = await _drain(self._deliveries, BOOKKEEPING_LINGER_SECONDS)
            # A receipt's trace starts here: dlr's matching and dispatch's status update
            # follow it through the events.
            with tracing.span("smpp deliver_sm record", **{"smsgw.pdus": len(batch)}):
                await self._with_retries(
                    partial(_store_deliveries, batch=batch), "storing deliver_sm"
                )
            self._runtime.relay.notify()
            # Acknowledge only now that the PDU is stored: if we crashed before this, the
            # SMSC would deliver it again instead of it being lost.
            for delivery in batch:
                pdu = delivery.pdu
                delivery.session.respond(f"{pdu.command}_resp", pdu.sequence)

    async def _with_retries(self, work: "_Work[T]", what: str) -> T:
        """Runs `work` in a transaction until it commits: a database blip must not end the
        connector (nothing would restart it soon enough, and parts would sit queued)."""
        delay = DB_RETRY_MIN_SECONDS
        while True:
            try:
                async with self._runtime.sessionmaker() as db, db.begin():
                    return await work(db)
            except Exception as exc:
                if is_database_outage(exc):
                    # Expected while PostgreSQL restarts: one line, not a traceback a second.
                    log.warning("%s: database down (%s); retrying in %.1fs", what, exc, delay)
                else:
                    log.exception("%s failed; retrying in %.1fs", what, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, DB_RETRY_MAX_SECONDS)


async def _forget(db: AsyncSession, *, keys: list[PartKey]) -> None:
    await repository.forget_submit_attempts(db, keys)


async def _store_deliveries(db: AsyncSession, *, batch: list[Delivery]) -> None:
    for delivery in batch:
        pdu = delivery.pdu
        # data_sm has no short_message; deliver_sm may carry its text in the TLV as well.
        payload = getattr(pdu, "short_message", None) or pdu.message_payload or b""
        network_error = getattr(pdu, "network_error_code", None)
        add_event(
            db,
            Outbox,
            DeliverSmReceived(
                source_addr=text_field(pdu.source_addr) or "",
                destination_addr=text_field(pdu.destination_addr) or "",
                esm_class=pdu.esm_class or 0,
                data_coding=pdu.data_coding or 0,
                short_message_hex=payload.hex(),
                text=decode_short_message(payload, pdu.data_coding or 0, pdu.esm_class or 0),
                receipted_message_id=text_field(getattr(pdu, "receipted_message_id", None)),
                message_state=getattr(pdu, "message_state", None),
                network_error_code_hex=network_error.hex() if network_error else None,
                smsc=delivery.link,  # receipts are matched within the link they came on
                command=pdu.command,
                sar_msg_ref_num=getattr(pdu, "sar_msg_ref_num", None),
                sar_total_segments=getattr(pdu, "sar_total_segments", None),
                sar_segment_seqnum=getattr(pdu, "sar_segment_seqnum", None),
            ),
        )


def _take_all(queue: "asyncio.Queue[T]") -> list[T]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def _drain(queue: "asyncio.Queue[T]", linger: float = 0.0) -> list[T]:
    batch = [await queue.get()]
    if linger:
        await asyncio.sleep(linger)
    while len(batch) < MAX_BATCH and not queue.empty():
        batch.append(queue.get_nowait())
    return batch

"""The delivery worker: claims due deliveries, sends them, records every attempt, and
schedules the next one or gives up.

Concurrency is bounded overall and per endpoint, and claims skip endpoints already at their
share, so one endpoint that hangs for its full timeout holds only its own deliveries up.
"""

import asyncio
import json
import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID, uuid4

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dlr_service.config import DlrSettings
from dlr_service.db import Outbox
from dlr_service.webhooks import metrics, sender
from dlr_service.webhooks.models import WebhookAttempt
from dlr_service.webhooks.queue import DeliveryQueue, Job
from dlr_service.webhooks.ssrf import ForbiddenUrl, Unresolvable, UrlGuard
from shared.events import WebhookEndpointDisabled, utcnow
from shared.outage import is_database_outage
from shared.outbox import add_event

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Beyond the request's own timeout: a claim outlives a slow attempt, and a worker that died
# mid-attempt has its deliveries taken again this long after.
LEASE_MARGIN = timedelta(seconds=60)


class WebhookWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: DlrSettings,
        guard: UrlGuard | None = None,
        clock: Clock = utcnow,
        jitter: Callable[[], float] = random.random,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._guard = guard or UrlGuard(settings.webhooks_allow_loopback)
        self._clock = clock
        self._jitter = jitter
        self._in_flight: Counter[UUID] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._client = client or sender.new_client()
        self.attempts = 0

    async def run(self) -> None:
        """Deliver for ever (until cancelled)."""
        pause = self._settings.webhook_poll_interval_seconds
        try:
            while True:
                try:
                    await self._claim_and_start()
                    pause = self._settings.webhook_poll_interval_seconds
                except Exception as exc:
                    if is_database_outage(exc):
                        log.warning("webhooks: database unavailable (%s); retrying", type(exc))
                    else:
                        log.exception("claiming webhook deliveries failed; retrying")
                    # Backing off: a failing database is not helped by a query every poll.
                    pause = min(pause * 2, 15.0)
                await self._wait(pause)
        finally:
            await self.close()

    async def run_due(self) -> int:
        """Deliver everything due now and wait for it: for tests and their clock."""
        before = self.attempts
        while await self._claim_and_start() or self._tasks:
            await self._wait(None)
        return self.attempts - before

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    async def _wait(self, timeout: float | None) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        elif timeout:
            await asyncio.sleep(timeout)

    async def _claim_and_start(self) -> int:
        settings = self._settings
        free = settings.webhook_concurrency - len(self._tasks)
        if free <= 0:
            return 0
        per_endpoint = settings.webhook_endpoint_concurrency
        now = self._clock()
        lease_until = now + timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN
        async with self._sessionmaker() as session, session.begin():
            jobs = await DeliveryQueue(session).claim(
                now,
                lease_until,
                free,
                allowance={key: per_endpoint - n for key, n in self._in_flight.items()},
                per_endpoint=per_endpoint,
                busy={key for key, n in self._in_flight.items() if n >= per_endpoint},
            )
        for job in jobs:
            key = job.endpoint_id
            self._in_flight[key] += 1
            task = asyncio.create_task(self._deliver(job), name=f"webhook-{job.delivery_id}")
            self._tasks.add(task)
            task.add_done_callback(partial(self._done, key))
        return len(jobs)

    def _done(self, key: UUID, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._in_flight[key] -= 1
        if self._in_flight[key] <= 0:
            del self._in_flight[key]
        if not task.cancelled() and task.exception() is not None:
            # Its lease runs out and another round takes it again: nothing is lost.
            log.error("webhook delivery failed unexpectedly", exc_info=task.exception())

    async def _deliver(self, job: Job) -> None:
        now = self._clock()
        try:
            target = await self._guard.check(job.url)
        except Unresolvable as failed:
            await self._record(job, sender.Outcome(None, 0, str(failed), None), now, retry=True)
            return
        except ForbiddenUrl as refused:
            # No attempt is made to a forbidden address, and no retry would change that.
            outcome = sender.Outcome(None, 0, f"refused: {refused}", None)
            await self._record(job, outcome, now, retry=False)
            return
        body = json.dumps(job.payload, separators=(",", ":"), ensure_ascii=False)
        message_id = f"msg_{job.event_id.hex}"
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": sender.signature_header(list(job.secrets), message_id, now, body),
            "user-agent": "smsgw-webhooks/1",
        }
        outcome = await sender.post(
            self._client, target, headers, body, self._settings.webhook_timeout_seconds
        )
        await self._record(job, outcome, self._clock(), retry=True)

    async def _record(self, job: Job, outcome: sender.Outcome, now: datetime, retry: bool) -> None:
        settings = self._settings
        attempts = job.attempts + 1
        deadline = job.queued_at + timedelta(hours=settings.webhook_retry_hours)
        if outcome.ok:
            state, next_at = "delivered", now
        elif not retry or now >= deadline:
            state, next_at = "dead", now
        else:
            ceiling = min(
                settings.webhook_max_backoff_seconds,
                settings.webhook_first_backoff_seconds * 2 ** (attempts - 1),
            )
            # Full jitter: retries of many deliveries that failed together spread out.
            state, next_at = (
                "pending",
                min(now + timedelta(seconds=self._jitter() * ceiling), deadline),
            )
        async with self._sessionmaker() as session, session.begin():
            queue = DeliveryQueue(session)
            # The endpoint's row first: one order of locks for every attempt recorded.
            await self._track_failures(session, queue, job, outcome.ok, now)
            queue.add_attempt(
                WebhookAttempt(
                    id=uuid4(),
                    delivery_id=job.delivery_id,
                    endpoint_id=job.endpoint_id,
                    event_id=job.event_id,
                    attempted_at=now,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    error=outcome.error,
                    response_body=outcome.response_body,
                )
            )
            await queue.settle(job.delivery_id, state, attempts, next_at, now)
        self.attempts += 1
        metrics.ATTEMPTS.labels("retrying" if state == "pending" else state).inc()
        if outcome.latency_ms:
            metrics.ATTEMPT_SECONDS.observe(outcome.latency_ms / 1000)

    async def _track_failures(
        self, session: AsyncSession, queue: DeliveryQueue, job: Job, ok: bool, now: datetime
    ) -> None:
        if ok:
            await queue.endpoint_succeeded(job.endpoint_id)
            return
        await queue.endpoint_failed(job.endpoint_id, now)
        days = self._settings.webhook_disable_after_days
        reason = f"every attempt failed for {days:g} days"
        endpoint = await queue.disable_if_failing_since(
            job.endpoint_id, now - timedelta(days=days), reason
        )
        if endpoint is None or endpoint.failing_since is None:
            return
        log.warning("disabled webhook endpoint %s: %s", endpoint.id, reason)
        add_event(
            session,
            Outbox,
            WebhookEndpointDisabled(
                account_id=endpoint.account_id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                failing_since=endpoint.failing_since,
                reason=reason,
            ),
        )

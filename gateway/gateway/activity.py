"""The activity log's source (issue 7, item 8): one record per request to a service route,
with who, from where, the path without its query (which may carry phone numbers), the
answer's status and how long it took. auth keeps them for a month at most.

Off the hot path: a request only appends a tuple to a bounded in-memory list; a task turns
the list into events every SEND_INTERVAL_SECONDS and hands them to a batching producer
without waiting for the broker. An access log may lose records: those a crashing gateway
still held, those past MAX_PENDING while the broker is away. The sending of messages is
never held up for it.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal

from aiokafka import AIOKafkaProducer
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.routes import resolve
from shared.events import ActivityRecorded, serialise_event
from shared.kafka import client_options
from shared.security import Principal

log = logging.getLogger(__name__)

SEND_INTERVAL_SECONDS = 0.1
# About a minute of a busy replica's requests; past it new records are dropped (counted).
MAX_PENDING = 50_000
_RETRY_SECONDS = 1.0
_PRINCIPAL = "activity_principal"
_KEY_SUBJECT = "api_key:"
_PATH_MAX = 512
_USER_AGENT_MAX = 256
_IP_MAX = 45

# (received at, seconds taken, method, path, status, client address, headers, principal)
_Pending = tuple[
    float, float, str, str, int, str | None, list[tuple[bytes, bytes]], Principal | None
]


def note_principal(request: Request, principal: Principal) -> None:
    """Who the gateway found behind the request, for its activity record."""
    request.scope.setdefault("state", {})[_PRINCIPAL] = principal


class ActivityRecorder:
    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap = bootstrap_servers
        self._pending: list[_Pending] = []
        self.dropped = 0
        self.sent = 0

    def add(self, item: _Pending) -> None:
        if len(self._pending) >= MAX_PENDING:
            self.dropped += 1
            return
        self._pending.append(item)

    async def run(self) -> None:
        """Starts the producer (retrying while the broker is away), then sends what the
        requests left every interval; on cancellation sends what is left and flushes."""
        producer = await self._started_producer()
        try:
            while True:
                await asyncio.sleep(SEND_INTERVAL_SECONDS)
                await self._send_pending(producer)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._send_pending(producer), 5)
            await producer.stop()  # flushes what is batched

    async def _started_producer(self) -> AIOKafkaProducer:
        while True:
            # One leader's ack is enough for an access log; linger gathers many requests
            # into one produce request.
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                **client_options(),
                acks=1,
                linger_ms=50,
                request_timeout_ms=10_000,
            )
            try:
                await producer.start()
                return producer
            except Exception as exc:
                log.warning("activity log: broker unavailable (%r); retrying", exc)
                await producer.stop()
                await asyncio.sleep(_RETRY_SECONDS)

    async def _send_pending(self, producer: AIOKafkaProducer) -> None:
        pending, self._pending = self._pending, []
        for item in pending:
            event = _event(item)
            try:
                delivery = await producer.send(
                    event.topic, serialise_event(event), key=event.aggregate_id.encode()
                )
            except Exception as exc:
                self.dropped += 1
                log.warning("activity log: record dropped (%r)", exc)
                continue
            delivery.add_done_callback(self._delivered)

    def _delivered(self, delivery: "asyncio.Future[Any]") -> None:
        if delivery.cancelled() or delivery.exception() is not None:
            self.dropped += 1
        else:
            self.sent += 1


def _event(item: _Pending) -> ActivityRecorded:
    at, seconds, method, path, status, ip, headers, principal = item
    user_agent = next((value for name, value in headers if name == b"user-agent"), None)
    account_id, actor_type, actor_id = None, None, None
    if principal is not None:
        account_id = principal.account_id
        key_id = principal.subject.removeprefix(_KEY_SUBJECT)
        actor: Literal["user", "api_key"] = "api_key" if key_id != principal.subject else "user"
        actor_type, actor_id = actor, key_id[:64]
    return ActivityRecorded(
        occurred_at=datetime.fromtimestamp(at, UTC),
        account_id=account_id,
        actor_type=actor_type,
        actor_id=actor_id,
        ip=ip[:_IP_MAX] if ip else None,
        user_agent=user_agent.decode("latin-1")[:_USER_AGENT_MAX] if user_agent else None,
        method=method[:16],
        path=path[:_PATH_MAX],
        status=status,
        duration_ms=round(seconds * 1000, 3),
    )


class ActivityLogMiddleware:
    """Records each request to a service route (not the gateway's health or docs), as the
    client saw it answered: inside the client-address middleware, outside everything that
    may refuse it (413, 408, 429, 401, 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        recorder: ActivityRecorder | None = None
        if scope["type"] == "http" and resolve(scope["path"]) is not None:
            recorder = getattr(scope["app"].state, "activity", None)
        if recorder is None:
            await self.app(scope, receive, send)
            return
        at, started = time.time(), time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500  # what the client gets if nothing was answered (uvicorn's own 500)

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            client = scope.get("client")
            recorder.add(
                (
                    at,
                    time.perf_counter() - started,
                    scope["method"],
                    scope["path"],  # the query string is scope["query_string"]: never kept
                    status,
                    client[0] if client else None,
                    scope["headers"],
                    state.get(_PRINCIPAL),
                )
            )


@contextlib.asynccontextmanager
async def open_activity_log(settings: GatewaySettings) -> AsyncIterator[ActivityRecorder | None]:
    """The recorder, sending in the background, when the activity log is on and the gateway
    has a broker; None otherwise."""
    if not settings.activity_log or not settings.kafka_bootstrap_servers:
        yield None
        return
    recorder = ActivityRecorder(settings.kafka_bootstrap_servers)
    task = asyncio.create_task(recorder.run(), name="activity-log")
    try:
        yield recorder
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

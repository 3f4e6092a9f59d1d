"""Webhooks against PostgreSQL, the broker and a real HTTP receiver on 127.0.0.1: signed
deliveries, per-message sequence, retries and death on an injected clock, replay, the SSRF
refusals, a 10 MB answer and a receiver that never answers."""

import asyncio
import base64
import hashlib
import hmac
import json
import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from devstack.ports import free_port
from dlr_service.config import DlrSettings
from dlr_service.main import create_app
from dlr_service.retention.service import retention_job
from dlr_service.webhooks import enqueue, sender
from dlr_service.webhooks.models import MessageCallback, WebhookDelivery
from dlr_service.webhooks.ssrf import UrlGuard
from dlr_service.webhooks.worker import WebhookWorker
from shared.events import (
    BatchAccepted,
    BatchedMessage,
    DeliverSmReceived,
    MessageAccepted,
    MessagePartStatusReported,
    WebhookEndpointDisabled,
    utcnow,
)
from shared.kafka import new_producer
from shared.runtime import ServiceRuntime
from tests.integration.test_dlr import Receipts, part_submitted, publish, receipt, smsc_number
from tests.integration.test_senders import token_as
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


# --- a receiver, and the signature checked by hand as the spec describes it ------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """What each path answers: `/ok` 204, `/fail` 500, `/flaky` its `plan` then 200, `/big`
    10 MB, `/hang` nothing until the test ends, `/redirect` a 307 to `/ok`."""

    base_url: str = ""
    got: list[Received] = field(default_factory=list)
    plan: list[int] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{name}")
        async def hook(name: str, request: Request) -> Response:
            self.got.append(Received(name, dict(request.headers), await request.body()))
            if name == "hang":
                await self.release.wait()
            if name == "big":
                chunk = b"x" * 65536
                return StreamingResponse(iter([chunk] * 160), media_type="text/plain")
            if name == "redirect":
                return Response(status_code=307, headers={"location": "/ok"})
            if name == "fail":
                return Response(status_code=500, content=b"down for maintenance")
            if name == "flaky" and self.plan:
                return Response(status_code=self.plan.pop(0))
            return Response(status_code=204)

        return app

    def at(self, name: str) -> list[Received]:
        return [r for r in self.got if r.path == name]


def signed_by(secret: str, received: Received) -> bool:
    """Standard Webhooks v1, written out: HMAC-SHA256 over `{id}.{timestamp}.{body}` with the
    base64-decoded secret, any of the space-separated signatures matching."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    headers = received.headers
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + received.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig, expected) for sig in headers["webhook-signature"].split(" ")
    )


class Clock:
    def __init__(self) -> None:
        # Ahead of the wall clock: what the handlers queue "now" is already due.
        self.now = utcnow() + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    hooks = Receiver()
    async with served_app(hooks.app()) as base_url:
        hooks.base_url = base_url
        yield hooks
        hooks.release.set()


@pytest.fixture(scope="module")
async def settings(databases: Databases, broker: str, auth_service: AuthClient) -> DlrSettings:
    return DlrSettings(
        database_url=await databases.create("dlr"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        webhooks_allow_loopback=True,
    )


@pytest.fixture(scope="module")
async def dlr(settings: DlrSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with running_app(app) as client:
        yield app, client


@pytest.fixture
def api(dlr: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return dlr[1]


@pytest.fixture
def runtime(dlr: tuple[FastAPI, httpx.AsyncClient]) -> ServiceRuntime:
    runtime: ServiceRuntime = dlr[0].state.runtime
    return runtime


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def worker(
    runtime: ServiceRuntime, settings: DlrSettings, clock: Clock
) -> AsyncIterator[WebhookWorker]:
    # Jitter pinned to its ceiling, so "a retry is due after the backoff" is exact.
    worker = WebhookWorker(runtime.sessionmaker, settings, clock=clock, jitter=lambda: 1.0)
    yield worker
    await worker.close()


@pytest.fixture
async def account(auth_service: AuthClient) -> tuple[UUID, dict[str, str]]:
    account_id, token = await auth_service.new_account()
    return account_id, {"Authorization": f"Bearer {token}"}


# --- helpers -------------------------------------------------------------------------------


async def register(
    api: httpx.AsyncClient, headers: dict[str, str], url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await api.post(
        "/v1/webhooks", json={"url": url, "events": events or ["message.status"]}, headers=headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def report(
    runtime: ServiceRuntime,
    account_id: UUID,
    message_id: UUID | None = None,
    part: int = 1,
    reported_at: datetime | None = None,
) -> MessagePartStatusReported:
    """What dlr's receipt handler does when it reports a status, on the same code path."""
    reported = MessagePartStatusReported(
        account_id=account_id,
        message_id=message_id or uuid4(),
        part_index=part,
        smsc_message_id=f"id-{uuid4().hex[:8]}",
        status="delivered",
        error_code="000",
        reported_at=reported_at or utcnow(),
    )
    async with runtime.sessionmaker() as session, session.begin():
        await enqueue.status_reported(session, reported)
    return reported


async def deliveries(runtime: ServiceRuntime, endpoint_id: str) -> list[WebhookDelivery]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == UUID(endpoint_id))
            .order_by(WebhookDelivery.created_at)
        )
        return list(rows.all())


async def attempts(
    api: httpx.AsyncClient, headers: dict[str, str], endpoint_id: str
) -> list[dict[str, Any]]:
    response = await api.get(f"/v1/webhooks/{endpoint_id}/attempts", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def until(check: Callable[[], Any], what: str) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while not await check():
            await asyncio.sleep(0.05)


# --- tests ---------------------------------------------------------------------------------


async def test_a_receipt_is_delivered_signed_with_its_sequence(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    broker: str,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/ok")
    assert endpoint["secret"].startswith("whsec_")
    message_id = uuid4()
    first, second = smsc_number(), smsc_number()
    producer: AIOKafkaProducer = new_producer(broker)
    await producer.start()
    try:
        for number, index in ((first, 1), (second, 2)):
            await publish(
                producer,
                part_submitted(
                    str(number), part_index=index, account_id=account_id, message_id=message_id
                ),
            )
        await publish(producer, receipt(str(first)))
        await publish(producer, receipt(str(second), stat="UNDELIV", err="034"))
    finally:
        await producer.stop()

    async def both_delivered() -> bool:
        await worker.run_due()
        return len(receiver.at("ok")) >= 2

    await until(both_delivered, "two deliveries")
    got = [r for r in receiver.at("ok") if r.payload["data"]["message_id"] == str(message_id)]
    assert len(got) == 2
    for received in got:
        assert signed_by(endpoint["secret"], received)
        assert received.headers["webhook-id"].startswith("msg_")
        assert received.payload["type"] == "message.status"
    by_sequence = sorted(got, key=lambda r: r.payload["data"]["sequence"])
    assert [r.payload["data"]["sequence"] for r in by_sequence] == [1, 2]
    assert [r.payload["data"]["part"] for r in by_sequence] == [1, 2]
    last = by_sequence[1].payload["data"]
    assert (last["status"], last["error_code"]) == ("undelivered", "034")
    assert last["smsc_message_id"] == str(second)


async def test_an_mo_to_the_accounts_number_is_delivered_as_message_inbound(
    api: httpx.AsyncClient,
    worker: WebhookWorker,
    receiver: Receiver,
    broker: str,
    auth_service: AuthClient,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/mo", ["message.inbound"])
    _, token = await auth_service.new_account("Platform operators")
    ops = {"Authorization": f"Bearer {token_as(auth_service, token, 'ops')}"}
    number = f"+4475{smsc_number()}"
    assigned = await api.post(
        "/v1/ops/numbers", json={"number": number, "account_id": str(account_id)}, headers=ops
    )
    assert assigned.status_code == 200, assigned.text
    mo = DeliverSmReceived(
        source_addr="447700900123",
        destination_addr=number.removeprefix("+"),
        esm_class=0,
        data_coding=0,
        short_message_hex=b"STOP".hex(),
        text="STOP",
    )
    producer: AIOKafkaProducer = new_producer(broker)
    await producer.start()
    try:
        await publish(producer, mo)
    finally:
        await producer.stop()

    async def delivered() -> bool:
        await worker.run_due()
        return bool(receiver.at("mo"))

    await until(delivered, "the inbound SMS")
    (got,) = receiver.at("mo")
    assert signed_by(endpoint["secret"], got)
    assert got.payload["type"] == "message.inbound"
    data = got.payload["data"]
    assert (data["inbound_id"], data["from"], data["to"]) == (
        str(mo.event_id),
        "+447700900123",
        number,
    )
    assert (data["text"], data["keyword"], data["parts"], data["incomplete"]) == (
        "STOP",
        "STOP",
        1,
        False,
    )


async def test_500_then_200_is_two_attempts_and_one_delivery(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    clock: Clock,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/flaky")
    receiver.plan[:] = [500, 200]
    await report(runtime, account_id)

    assert await worker.run_due() == 1
    assert await worker.run_due() == 0  # not due before its backoff
    clock.advance(hours=1)
    assert await worker.run_due() == 1

    tried = await attempts(api, headers, endpoint["id"])
    assert [a["status_code"] for a in tried] == [200, 500]  # newest first
    assert tried[1]["error"] == "HTTP 500"
    (delivery,) = await deliveries(runtime, endpoint["id"])
    assert (delivery.state, delivery.attempts) == ("delivered", 2)


async def test_a_delivery_failing_for_24_hours_is_dead(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    clock: Clock,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/fail")
    await report(runtime, account_id)

    for _ in range(30):
        await worker.run_due()
        clock.advance(hours=1)
    (delivery,) = await deliveries(runtime, endpoint["id"])
    assert delivery.state == "dead"
    tried = await attempts(api, headers, endpoint["id"])
    assert len(tried) == delivery.attempts > 5
    assert tried[0]["response_body"] == "down for maintenance"
    clock.advance(hours=5)
    assert await worker.run_due() == 0  # dead stays dead


def disabled(reader: Receipts, endpoint_id: str) -> list[WebhookEndpointDisabled]:
    return [
        event
        for event in reader.seen
        if isinstance(event, WebhookEndpointDisabled) and str(event.endpoint_id) == endpoint_id
    ]


@pytest.fixture
async def announcements(broker: str) -> AsyncIterator[Receipts]:
    """What dlr publishes on its topic, read in a consumer group of the test's own."""
    reader = Receipts(broker)
    await reader.start()
    yield reader
    await reader.stop()


async def test_an_endpoint_failing_for_days_is_disabled(
    api: httpx.AsyncClient,
    announcements: Receipts,
    runtime: ServiceRuntime,
    settings: DlrSettings,
    receiver: Receiver,
    clock: Clock,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/fail")
    worker = WebhookWorker(
        runtime.sessionmaker,
        settings.model_copy(update={"webhook_disable_after_days": 1.0}),
        clock=clock,
        jitter=lambda: 1.0,
    )
    try:
        for _ in range(3):  # a new event each day, each retried all day
            await report(runtime, account_id)
            for _ in range(24):
                await worker.run_due()
                clock.advance(hours=1)
    finally:
        await worker.close()

    shown = (await api.get(f"/v1/webhooks/{endpoint['id']}", headers=headers)).json()
    assert shown["enabled"] is False
    # Announced once, through dlr's outbox, for whoever tells the account.
    await announcements.wait_until(lambda _: bool(disabled(announcements, endpoint["id"])))
    assert len(disabled(announcements, endpoint["id"])) == 1
    assert "failed" in shown["disabled_reason"]
    enabled = await api.patch(
        f"/v1/webhooks/{endpoint['id']}", json={"enabled": True}, headers=headers
    )
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)


async def test_replay_of_a_window_and_of_one_delivery(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/ok")
    before = utcnow()
    reported = await report(runtime, account_id)
    after = utcnow() + timedelta(seconds=1)
    await worker.run_due()

    def mine() -> list[Received]:
        return [
            r
            for r in receiver.at("ok")
            if r.payload["data"]["message_id"] == str(reported.message_id)
        ]

    assert len(mine()) == 1
    window = {"since": before.isoformat(), "until": after.isoformat()}
    replayed = await api.post(f"/v1/webhooks/{endpoint['id']}/replay", json=window, headers=headers)
    assert (replayed.status_code, replayed.json()) == (202, {"queued": 1})
    await worker.run_due()
    delivery_id = (await attempts(api, headers, endpoint["id"]))[-1]["delivery_id"]
    again = await api.post(
        f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery_id}/replay", headers=headers
    )
    assert again.status_code == 202
    await worker.run_due()

    assert len(mine()) == 3
    # One event: receivers can tell a replay from a new status by its webhook-id.
    assert len({r.headers["webhook-id"] for r in mine()}) == 1


async def test_after_rotation_both_secrets_sign(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/ok")
    rotated = await api.post(f"/v1/webhooks/{endpoint['id']}/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    reported = await report(runtime, account_id)
    await worker.run_due()

    (received,) = [
        r for r in receiver.at("ok") if r.payload["data"]["message_id"] == str(reported.message_id)
    ]
    assert signed_by(endpoint["secret"], received)
    assert signed_by(rotated.json()["secret"], received)
    assert rotated.json()["secret"] != endpoint["secret"]


async def test_a_10_mb_answer_is_cut(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/big")
    await report(runtime, account_id)

    assert await worker.run_due() == 1

    (tried,) = await attempts(api, headers, endpoint["id"])
    assert tried["status_code"] == 200
    assert tried["response_body"] == "x" * 1024


async def test_a_redirect_is_a_failed_attempt_not_followed(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/redirect")
    reported = await report(runtime, account_id)

    assert await worker.run_due() == 1

    (tried,) = await attempts(api, headers, endpoint["id"])
    assert (tried["status_code"], tried["error"]) == (307, "HTTP 307")
    followed = [
        r for r in receiver.at("ok") if r.payload["data"]["message_id"] == str(reported.message_id)
    ]
    assert followed == []


async def test_a_hanging_receiver_does_not_hold_up_another_endpoint(
    api: httpx.AsyncClient,
    auth_service: AuthClient,
    runtime: ServiceRuntime,
    settings: DlrSettings,
    receiver: Receiver,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    hanging = await register(api, headers, f"{receiver.base_url}/hang")
    for _ in range(12):  # more than the worker's whole concurrency
        await report(runtime, account_id)
    healthy_account, token = await auth_service.new_account()
    await register(api, {"Authorization": f"Bearer {token}"}, f"{receiver.base_url}/ok")
    worker = WebhookWorker(
        runtime.sessionmaker,
        settings.model_copy(
            update={
                "webhook_concurrency": 8,
                "webhook_endpoint_concurrency": 2,
                "webhook_timeout_seconds": 120.0,
            }
        ),
    )
    task = asyncio.create_task(worker.run())
    try:
        reported = await report(runtime, healthy_account)

        async def delivered() -> bool:
            return any(
                r.payload["data"]["message_id"] == str(reported.message_id)
                for r in receiver.at("ok")
            )

        await until(delivered, "the healthy endpoint's delivery")
        assert 1 <= len(receiver.at("hang")) <= 2  # its share, still waiting
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        # The database is the module's: leave no deliveries due for the other tests' workers.
        await api.patch(f"/v1/webhooks/{hanging['id']}", json={"enabled": False}, headers=headers)


# --- SSRF ----------------------------------------------------------------------------------

FAKE_DNS = {
    "internal.example.com": ["10.1.2.3"],
    "mixed.example.com": ["93.184.216.34", "192.168.0.7"],
    "metadata.example.com": ["169.254.169.254"],
    "public.example.com": ["93.184.216.34"],
}


async def fake_resolver(host: str, port: int) -> list[str]:
    if host == "localhost":
        return ["127.0.0.1", "::1"]
    if host not in FAKE_DNS:
        raise OSError("no such host")
    return FAKE_DNS[host]


@pytest.fixture
def strict(dlr: tuple[FastAPI, httpx.AsyncClient]) -> Iterator[None]:
    """The production guard (no loopback), with a resolver that knows the names above."""
    app = dlr[0]
    lenient = app.state.webhook_guard
    app.state.webhook_guard = UrlGuard(allow_loopback=False, resolver=fake_resolver)
    yield
    app.state.webhook_guard = lenient


@pytest.mark.parametrize(
    "url",
    [
        "http://public.example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://0x7f000001/hook",
        "https://2130706433/hook",
        "https://017700000001/hook",
        "https://127.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[::7f00:1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00:ec2::254]/",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://192.168.1.1/hook",
        "https://100.64.0.1/hook",
        "https://224.0.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::]/hook",
        "https://240.0.0.1/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::1]/hook",
        "https://internal.example.com/hook",  # a name that resolves to a private address
        "https://mixed.example.com/hook",  # one public, one private answer
        "https://metadata.example.com/hook",
        "https://nowhere.example.com/hook",
        "https://user:pw@public.example.com/hook",
    ],
)
async def test_forbidden_urls_are_refused_at_registration(
    url: str, api: httpx.AsyncClient, strict: None, account: tuple[UUID, dict[str, str]]
) -> None:
    _, headers = account
    response = await api.post(
        "/v1/webhooks", json={"url": url, "events": ["message.status"]}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "webhook_url_forbidden"


async def test_a_public_https_url_is_accepted(
    api: httpx.AsyncClient, strict: None, account: tuple[UUID, dict[str, str]]
) -> None:
    _, headers = account
    await register(api, headers, "https://public.example.com/hook")


async def test_loopback_allowed_still_refuses_every_other_range() -> None:
    guard = UrlGuard(allow_loopback=True, resolver=fake_resolver)
    for allowed in ("http://127.0.0.1:8080/x", "http://[::1]/x", "http://localhost/x"):
        await guard.check(allowed)
    for refused in (
        "http://10.0.0.1/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0x7f000001/x",
        "http://169.254.169.254/x",
    ):
        with pytest.raises(Exception, match="IPv4|address"):
            await guard.check(refused)


async def test_a_url_refused_at_delivery_is_recorded_and_not_retried(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    settings: DlrSettings,
    receiver: Receiver,
    clock: Clock,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/ok")
    await report(runtime, account_id)
    before = len(receiver.at("ok"))
    worker = WebhookWorker(
        runtime.sessionmaker, settings, guard=UrlGuard(allow_loopback=False), clock=clock
    )
    try:
        await worker.run_due()
        clock.advance(hours=2)
        await worker.run_due()
    finally:
        await worker.close()

    (tried,) = await attempts(api, headers, endpoint["id"])
    assert tried["status_code"] is None
    assert tried["error"].startswith("refused:")
    assert len(receiver.at("ok")) == before
    (delivery,) = await deliveries(runtime, endpoint["id"])
    assert delivery.state == "dead"


# --- the API itself ------------------------------------------------------------------------


async def test_endpoints_are_the_account_s_own(
    api: httpx.AsyncClient, auth_service: AuthClient, account: tuple[UUID, dict[str, str]]
) -> None:
    _, headers = account
    endpoint = await register(api, headers, "http://127.0.0.1:9/hook")
    assert "secret" not in (await api.get(f"/v1/webhooks/{endpoint['id']}", headers=headers)).json()
    _, other_token = await auth_service.new_account()
    other = {"Authorization": f"Bearer {other_token}"}
    path = f"/v1/webhooks/{endpoint['id']}"
    assert (await api.get(path, headers=other)).status_code == 404
    assert (await api.delete(path, headers=other)).status_code == 404
    assert (await api.get("/v1/webhooks", headers=other)).json() == {"items": []}

    changed = await api.patch(
        path, json={"description": "CRM", "events": ["message.inbound"]}, headers=headers
    )
    assert (changed.json()["description"], changed.json()["events"]) == (
        "CRM",
        ["message.inbound"],
    )
    assert (await api.delete(path, headers=headers)).status_code == 204
    assert (await api.get(path, headers=headers)).status_code == 404


async def test_a_refused_url_change_changes_nothing(
    api: httpx.AsyncClient, account: tuple[UUID, dict[str, str]]
) -> None:
    _, headers = account
    endpoint = await register(api, headers, "http://127.0.0.1:9/hook")
    path = f"/v1/webhooks/{endpoint['id']}"
    refused = await api.patch(
        path, json={"url": "http://10.0.0.1/", "description": "x"}, headers=headers
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "webhook_url_forbidden")
    shown = (await api.get(path, headers=headers)).json()
    assert (shown["url"], shown["description"]) == ("http://127.0.0.1:9/hook", None)


# --- the pinned connection over TLS ----------------------------------------------------------


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate for `name` only (not for 127.0.0.1), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_https_goes_to_the_checked_address_with_the_name_in_host_and_sni(
    api: httpx.AsyncClient,
    dlr: tuple[FastAPI, httpx.AsyncClient],
    runtime: ServiceRuntime,
    settings: DlrSettings,
    clock: Clock,
    tmp_path: Path,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    cert, key = self_signed(tmp_path, "hooks.test")
    hooks = Receiver()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            hooks.app(),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
    )
    serving = asyncio.create_task(server.serve())

    async def resolve(host: str, port: int) -> list[str]:
        # Resolved once, here: the connection then goes to this address, whatever DNS says later.
        assert host == "hooks.test"
        return ["127.0.0.1"]

    guard = UrlGuard(allow_loopback=True, resolver=resolve)
    app = dlr[0]
    lenient, app.state.webhook_guard = app.state.webhook_guard, guard
    worker = WebhookWorker(
        runtime.sessionmaker,
        settings,
        guard=guard,
        clock=clock,
        client=sender.new_client(verify=ssl.create_default_context(cafile=str(cert))),
    )
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not server.started:
                await asyncio.sleep(0.02)
        endpoint = await register(api, headers, f"https://hooks.test:{port}/ok")
        await report(runtime, account_id)
        await worker.run_due()
    finally:
        app.state.webhook_guard = lenient
        await worker.close()
        server.should_exit = True
        await serving

    (tried,) = await attempts(api, headers, endpoint["id"])
    assert (tried["status_code"], tried["error"]) == (204, None)
    (received,) = hooks.got
    assert received.headers["host"] == f"hooks.test:{port}"


async def test_events_past_their_retention_go_with_their_attempts(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/ok")
    await report(runtime, account_id, reported_at=utcnow() - timedelta(days=31))
    await report(runtime, account_id)
    await worker.run_due()
    assert len(await attempts(api, headers, endpoint["id"])) == 2

    old, recent = uuid4(), uuid4()
    async with runtime.sessionmaker() as session, session.begin():
        for message_id, age in ((old, 31), (recent, 1)):
            session.add(
                MessageCallback(
                    message_id=message_id,
                    account_id=account_id,
                    url=f"{receiver.base_url}/cb",
                    created_at=utcnow() - timedelta(days=age),
                )
            )

    # dlr's retention job, by the policy's 30 days.
    await retention_job(runtime.sessionmaker, batch_size=1).run_once()

    (kept,) = await attempts(api, headers, endpoint["id"])
    (delivery,) = await deliveries(runtime, endpoint["id"])
    assert kept["delivery_id"] == str(delivery.id)
    # A send's callback_url is kept as long as the events.
    async with runtime.sessionmaker() as session:
        assert await session.get(MessageCallback, old) is None
        assert await session.get(MessageCallback, recent) is not None


def token_with_role(auth_service: AuthClient, kid: str, account_id: UUID, role: str) -> str:
    """Signed with auth's own key, as auth would for a user of that role (or an API key)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "smsgw-auth",
        "aud": "smsgw",
        "sub": str(uuid4()),
        "account_id": str(account_id),
        "role": role,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    if role == "api_key":
        claims["scope"] = "*"
    key = auth_service.signing_key_file.read_bytes()
    return jwt.encode(claims, key, "RS256", headers={"kid": kid})


@pytest.mark.parametrize(
    ("role", "may_read", "may_manage"),
    [
        ("owner", True, True),
        ("admin", True, True),
        ("developer", True, False),
        ("billing", True, False),
        ("viewer", True, False),
        ("api_key", False, False),
    ],
)
async def test_who_may_read_and_manage_webhooks(
    role: str, may_read: bool, may_manage: bool, api: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    account_id, owner_token = await auth_service.new_account()
    token = token_with_role(
        auth_service, jwt.get_unverified_header(owner_token)["kid"], account_id, role
    )
    headers = {"Authorization": f"Bearer {token}"}

    listed = await api.get("/v1/webhooks", headers=headers)
    created = await api.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["message.status"]},
        headers=headers,
    )

    assert listed.status_code == (200 if may_read else 403)
    assert created.status_code == (201 if may_manage else 403)


async def test_a_name_that_stops_resolving_is_retried_not_given_up(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    settings: DlrSettings,
    receiver: Receiver,
    clock: Clock,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/ok")
    await report(runtime, account_id)

    async def failing(host: str, port: int) -> list[str]:
        raise OSError("temporary failure in name resolution")

    # The receiver's URL names 127.0.0.1: only a name goes through the resolver.
    with_a_name = f"http://localhost:{receiver.base_url.rsplit(':', 1)[1]}/ok"
    changed = await api.patch(
        f"/v1/webhooks/{endpoint['id']}", json={"url": with_a_name}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    worker = WebhookWorker(
        runtime.sessionmaker,
        settings,
        guard=UrlGuard(allow_loopback=True, resolver=failing),
        clock=clock,
    )
    try:
        assert await worker.run_due() == 1
    finally:
        await worker.close()

    (tried,) = await attempts(api, headers, endpoint["id"])
    assert "does not resolve" in tried["error"]
    (delivery,) = await deliveries(runtime, endpoint["id"])
    assert delivery.state == "pending"


async def test_attempts_come_a_page_at_a_time(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    clock: Clock,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    endpoint = await register(api, headers, f"{receiver.base_url}/fail")
    await report(runtime, account_id)
    for _ in range(3):
        await worker.run_due()
        clock.advance(hours=1)
    path = f"/v1/webhooks/{endpoint['id']}/attempts"

    first = (await api.get(path, params={"limit": 2}, headers=headers)).json()
    second = (
        await api.get(path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers)
    ).json()
    bad = await api.get(path, params={"cursor": "not-a-cursor"}, headers=headers)

    everything = await attempts(api, headers, endpoint["id"])
    assert len(everything) == 3
    assert [a["id"] for a in first["items"] + second["items"]] == [a["id"] for a in everything]
    assert second["next_cursor"] is None
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")


# --- a send's own callback_url -------------------------------------------------------------


async def test_a_sends_callback_url_gets_its_statuses_signed_with_the_callback_secret(
    api: httpx.AsyncClient,
    runtime: ServiceRuntime,
    worker: WebhookWorker,
    receiver: Receiver,
    broker: str,
    account: tuple[UUID, dict[str, str]],
) -> None:
    account_id, headers = account
    with_callback, without = uuid4(), uuid4()
    accepted = [
        MessageAccepted(
            account_id=account_id,
            message_id=message_id,
            to="+447700900123",
            sender="ACME",
            encoding="gsm7",
            segments=1,
            callback_url=url,
        )
        for message_id, url in ((with_callback, f"{receiver.base_url}/cb"), (without, None))
    ]
    producer: AIOKafkaProducer = new_producer(broker)
    await producer.start()
    try:
        for event in accepted:
            await publish(producer, event)
    finally:
        await producer.stop()

    async def recorded() -> bool:
        async with runtime.sessionmaker() as session:
            return await session.get(MessageCallback, with_callback) is not None

    await until(recorded, "the callback recorded from message.accepted")
    await report(runtime, account_id, without)
    await report(runtime, account_id, with_callback)

    async def called_back() -> bool:
        await worker.run_due()
        return any(r.payload["data"]["message_id"] == str(with_callback) for r in receiver.at("cb"))

    await until(called_back, "the callback delivered")
    response = await api.get("/v1/webhooks/callback-secret", headers=headers)
    assert response.status_code == 200, response.text
    secret = response.json()["secret"]
    got = [r for r in receiver.at("cb") if r.payload["data"]["message_id"] == str(with_callback)]
    assert len(got) == 1
    assert got[0].payload["type"] == "message.status"
    assert signed_by(secret, got[0])
    # The message sent without one is not posted there; nor is the URL an endpoint to manage.
    assert not [r for r in receiver.at("cb") if r.payload["data"]["message_id"] == str(without)]
    listed = await api.get("/v1/webhooks", headers=headers)
    assert listed.json()["items"] == []

    # After a rotation, the next callback is signed with both secrets.
    rotated = await api.post("/v1/webhooks/callback-secret/rotate", headers=headers)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != secret
    await report(runtime, account_id, with_callback, part=1)

    async def called_again() -> bool:
        await worker.run_due()
        mine = [
            r for r in receiver.at("cb") if r.payload["data"]["message_id"] == str(with_callback)
        ]
        return len(mine) >= 2

    await until(called_again, "the second callback")
    second = [
        r for r in receiver.at("cb") if r.payload["data"]["message_id"] == str(with_callback)
    ][1]
    assert signed_by(new_secret, second)
    assert signed_by(secret, second)


async def test_a_batchs_callback_url_is_recorded_for_each_of_its_messages(
    runtime: ServiceRuntime, broker: str, account: tuple[UUID, dict[str, str]]
) -> None:
    account_id, _ = account
    messages = [BatchedMessage(message_id=uuid4(), segments=1) for _ in range(2)]
    producer: AIOKafkaProducer = new_producer(broker)
    await producer.start()
    try:
        await publish(
            producer,
            BatchAccepted(
                account_id=account_id,
                batch_id=uuid4(),
                messages=messages,
                callback_url="https://hooks.example.com/batch",
            ),
        )
    finally:
        await producer.stop()

    async def recorded() -> bool:
        async with runtime.sessionmaker() as session:
            found = [await session.get(MessageCallback, m.message_id) for m in messages]
            return all(f is not None and f.url == "https://hooks.example.com/batch" for f in found)

    await until(recorded, "both messages' callback recorded")


async def test_the_callback_secret_is_the_account_s_own_and_for_managers(
    api: httpx.AsyncClient, auth_service: AuthClient, account: tuple[UUID, dict[str, str]]
) -> None:
    _, headers = account
    _, other_token = await auth_service.new_account()
    mine = (await api.get("/v1/webhooks/callback-secret", headers=headers)).json()["secret"]
    again = (await api.get("/v1/webhooks/callback-secret", headers=headers)).json()["secret"]
    other = await api.get(
        "/v1/webhooks/callback-secret", headers={"Authorization": f"Bearer {other_token}"}
    )
    assert mine == again
    assert other.json()["secret"] != mine

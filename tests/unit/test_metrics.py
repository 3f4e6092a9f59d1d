"""What an operator's Prometheus scrapes: request figures by route template, counters that
move only when a transaction commits, outbox depth and age, and an SMPP bind's figures."""

import socket
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from fastapi import FastAPI, HTTPException
from prometheus_client import REGISTRY, Counter
from sqlalchemy.orm import DeclarativeBase

from dispatch_service.smpp.bind import Bind
from gateway.config import GatewaySettings
from gateway.metrics import metrics_server, route_label
from gateway.routes import resolve
from shared.db import create_engine, create_sessionmaker
from shared.events import utcnow
from shared.inbox import InboxMixin
from shared.metrics import storage
from shared.metrics.endpoint import metrics_router
from shared.metrics.http import HttpMetricsMiddleware
from shared.metrics.staged import count_after_commit
from shared.outbox import OutboxMixin


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(HttpMetricsMiddleware)
    app.include_router(metrics_router())

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        if thing_id == "missing":
            raise HTTPException(404)
        return {"id": thing_id}

    return app


async def test_requests_are_counted_by_route_template_method_and_status() -> None:
    labels = {"method": "GET", "route": "/v1/things/{thing_id}"}
    ok_before = _sample("http_requests_total", **labels, status="200")
    missing_before = _sample("http_requests_total", **labels, status="404")
    timed_before = _sample("http_request_duration_seconds_count", **labels)
    unmatched_before = _sample("http_requests_total", method="GET", route="unmatched", status="404")
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for thing_id in ("a", "b", "missing"):
            await client.get(f"/v1/things/{thing_id}")
        await client.get("/no/such/path/1234")
        scraped = await client.get("/metrics")

    assert _sample("http_requests_total", **labels, status="200") == ok_before + 2
    assert _sample("http_requests_total", **labels, status="404") == missing_before + 1
    assert _sample("http_request_duration_seconds_count", **labels) == timed_before + 3
    # Any path no route matches shares one label value: scanners cannot grow the label set.
    assert (
        _sample("http_requests_total", method="GET", route="unmatched", status="404")
        == unmatched_before + 1
    )
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    assert 'route="/v1/things/{thing_id}"' in scraped.text
    assert "/v1/things/a" not in scraped.text
    assert "/no/such/path" not in scraped.text


class _Base(DeclarativeBase):
    pass


class _Outbox(OutboxMixin, _Base):
    pass


class _Inbox(InboxMixin, _Base):
    pass


_COMMITTED = Counter("test_committed_things_total", "Counted after commit, in tests")


async def test_staged_counts_move_on_commit_only(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/staged.db")
    sessions = create_sessionmaker(engine)
    before = _sample("test_committed_things_total")
    try:
        async with sessions() as session:
            async with session.begin():
                count_after_commit(session, _COMMITTED, 2)
                count_after_commit(session, _COMMITTED, 1)
                assert _sample("test_committed_things_total") == before  # not yet
            assert _sample("test_committed_things_total") == before + 3
            await session.begin()
            count_after_commit(session, _COMMITTED, 5)
            await session.rollback()
            async with session.begin():
                pass  # a later commit must not bring the rolled-back count back
        assert _sample("test_committed_things_total") == before + 3
    finally:
        await engine.dispose()


async def test_outbox_depth_and_oldest_age_and_inbox_size(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/storage.db")
    sessions = create_sessionmaker(engine)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
        await storage.measure(sessions, _Outbox, _Inbox)
        assert _sample("outbox_pending_events") == 0
        assert _sample("outbox_oldest_pending_age_seconds") == 0

        now = utcnow()
        async with sessions() as session, session.begin():
            for seq, age in enumerate((120, 30, 5), start=1):
                session.add(_row(seq, now - timedelta(seconds=age)))
            failed = _row(4, now)
            failed.failed_at, failed.failure = now, "too large"
            session.add(failed)
            for _ in range(2):
                session.add(_Inbox(consumer="c", event_id=uuid4(), processed_at=now))
        await storage.measure(sessions, _Outbox, _Inbox)

        assert _sample("outbox_pending_events") == 3
        assert _sample("outbox_failed_events") == 1
        assert 120 <= _sample("outbox_oldest_pending_age_seconds") < 180
        assert _sample("inbox_rows") == 2
    finally:
        await engine.dispose()


def _row(seq: int, created_at: datetime) -> _Outbox:
    return _Outbox(
        seq=seq,
        id=uuid4(),
        aggregatetype="t",
        aggregateid="1",
        type="t",
        topic="t",
        payload="{}",
        created_at=created_at,
    )


async def test_a_binds_submits_answers_and_window_are_counted() -> None:
    labels = {"link": "metrics-test", "bind": "1"}
    bind = Bind(1, None, on_change=lambda: None, link="metrics-test")
    submitted = _sample("smpp_submit_sm_total", **labels)

    first, second = bind.sending(), bind.sending()
    assert _sample("smpp_window_in_flight", **labels) == 2
    bind.answered(0, first)
    bind.answered(0x58, second)  # ESME_RTHROTTLED

    assert _sample("smpp_submit_sm_total", **labels) == submitted + 2
    assert _sample("smpp_window_in_flight", **labels) == 0
    assert _sample("smpp_submit_sm_resp_total", **labels, command_status="0x00000000") == 1
    assert _sample("smpp_submit_sm_resp_total", **labels, command_status="0x00000058") == 1
    assert _sample("smpp_throttled_total", **labels) == 1
    assert _sample("smpp_submit_sm_resp_duration_seconds_count", link="metrics-test") == 2
    assert _sample("smpp_bind_up", **labels) == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_the_gateway_serves_metrics_on_their_own_port_only() -> None:
    port = _free_port()
    settings = GatewaySettings(metrics_port=port, metrics_host="127.0.0.1")
    with metrics_server(settings):
        async with httpx.AsyncClient() as client:
            scraped = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert scraped.status_code == 200
    assert "http_requests_total" in scraped.text
    # The main port is the public one: no route there leads to the figures.
    assert resolve("/metrics") is None


def test_the_gateway_labels_proxied_requests_by_public_route() -> None:
    proxied = {"route": type("R", (), {"path": "/{path:path}"})()}
    assert route_label({**proxied, "path": "/v1/messages/7f0c"}) == "/v1/messages"
    assert route_label({**proxied, "path": "/v1/ops/senders/1/approve"}) == "/v1/ops/senders"
    assert route_label({**proxied, "path": "/wp-admin/setup.php"}) == "unmatched"

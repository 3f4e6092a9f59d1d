"""Several SMSC links and routes, over real TCP with dispatch's database, the broker and
several SMSC simulators: route choice, failover when a simulator stops and back when it
returns, no part sent twice across a failover (counted at the simulators), SMPP over TLS,
and the operators' view of the links."""

import asyncio
import datetime
import ipaddress
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.main import create_app
from dispatch_service.messages import repository
from dispatch_service.smpp.connector import Connector
from dispatch_service.smsc import service as smsc_service
from dispatch_service.smsc.routing import DeadRange
from shared.runtime import ServiceRuntime
from smsc_simulator import SimulatorConfig, SmscSimulator
from smsc_simulator.faults import FaultRequest
from tests.integration.connector_support import (
    connector_settings,
    parts_of,
    queue_messages,
    running_connector,
    settled,
    wait_for_parts,
)
from tests.integration.test_senders import Dispatch, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def sims() -> AsyncIterator[list[SmscSimulator]]:
    started = [SmscSimulator(SimulatorConfig(receipt_delay=0.05)) for _ in range(2)]
    for sim in started:
        await sim.start()
    yield started
    for sim in started:
        await sim.stop()


def _connection(name: str, port: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "host": "127.0.0.1",
        "port": port,
        "system_id": "smsgw",
        "password": "secret",
        "window": 5,
        **extra,
    }


def _hops(*names: str) -> list[dict[str, str]]:
    return [{"connection": name} for name in names]


def _numbers(prefix: str, count: int) -> list[str]:
    """Destinations no other test uses."""
    unique = uuid4().int % 10**4
    return [f"{prefix}{unique:04d}{i:02d}" for i in range(count)]


def _accepted(sim: SmscSimulator) -> Counter[str]:
    return Counter("+" + m.destination_addr.lstrip("+") for m in sim.submitted)


def _submits(sim: SmscSimulator) -> Counter[str]:
    return Counter("+" + r.destination_addr.lstrip("+") for r in sim.journal.submits)


async def _wait_bound(connector: Connector, name: str, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not connector.links[name].is_bound:
            await asyncio.sleep(0.05)


async def test_each_destination_goes_over_its_route(
    databases: Databases, broker: str, sims: list[SmscSimulator]
) -> None:
    a, b = sims
    settings = connector_settings(
        await databases.create("dispatch"),
        broker,
        a.port,
        smsc_connections=[_connection("a", a.port), _connection("b", b.port)],
        smsc_routes=[
            {"prefix": "+4478", "connections": _hops("b")},
            {"country": "GB", "connections": _hops("a")},
            {"connections": _hops("b")},
        ],
    )
    # The drama range 07700 900xxx is GB's own (other 077 ranges may be Jersey's, JE).
    uk = [f"+4477009001{i:02d}" for i in range(3)]
    uk_78, french = _numbers("+447800", 3), _numbers("+33612", 3)
    async with running_connector(settings) as (connector, runtime, _):
        await _wait_bound(connector, "a")
        await _wait_bound(connector, "b")
        ids = await queue_messages(runtime, uk + uk_78 + french)
        parts = await wait_for_parts(runtime, ids, settled)

    assert set(_accepted(a)) == set(uk)
    assert set(_accepted(b)) == set(uk_78 + french)
    # Each part records the link it went over (receipts are matched within it).
    links = Counter(part.smsc for part in parts.values())
    assert links == Counter({"a": len(uk), "b": len(uk_78) + len(french)})


async def test_a_stopped_smsc_fails_over_to_the_next_link_and_takes_traffic_back_on_return(
    databases: Databases, broker: str, sims: list[SmscSimulator]
) -> None:
    a, b = sims
    port = a.port
    settings = connector_settings(
        await databases.create("dispatch"),
        broker,
        port,
        smsc_connections=[_connection("a", port), _connection("b", b.port)],
        smsc_routes=[{"connections": _hops("a", "b")}],
    )
    async with running_connector(settings) as (connector, runtime, _):
        await _wait_bound(connector, "a")
        await _wait_bound(connector, "b")
        await a.stop()
        async with asyncio.timeout(10):
            while connector.links["a"].is_bound:
                await asyncio.sleep(0.05)

        during = _numbers("+447700", 10)
        await wait_for_parts(runtime, await queue_messages(runtime, during), settled)
        assert set(_accepted(b)) == set(during)

        back = SmscSimulator(SimulatorConfig(port=port, receipt_delay=0.05))
        await back.start()
        try:
            await _wait_bound(connector, "a", timeout=40)
            after = _numbers("+447700", 10)
            parts = await wait_for_parts(runtime, await queue_messages(runtime, after), settled)
        finally:
            await back.stop()

    assert set(_accepted(back)) == set(after)
    assert not set(_accepted(b)) & set(after)
    assert {p.smsc for p in parts.values()} == {"a"}


async def test_a_part_unanswered_on_one_link_is_never_sent_over_another(
    databases: Databases, broker: str, sims: list[SmscSimulator]
) -> None:
    a, b = sims
    settings = connector_settings(
        await databases.create("dispatch"),
        broker,
        a.port,
        smsc_connections=[_connection("a", a.port), _connection("b", b.port)],
        smsc_routes=[{"connections": _hops("a", "b")}],
        smpp_response_timeout_seconds=0.5,
        smpp_max_timeouts_in_a_row=2,
        smsc_failures_to_open=2,
        smsc_open_seconds=2,
    )
    async with running_connector(settings) as (connector, runtime, _):
        await _wait_bound(connector, "a")
        await _wait_bound(connector, "b")
        # A answers nothing for a while: what it got may have reached the handset.
        await a.apply_faults(FaultRequest(silence_seconds=4))
        numbers = _numbers("+447700", 12)
        ids = await queue_messages(runtime, numbers)
        parts = await wait_for_parts(runtime, ids, settled, timeout=60)

    unanswered_at_a = {n for n, count in _submits(a).items() if count > _accepted(a)[n]}
    assert unanswered_at_a, "the silence left no submit unanswered: the test proves nothing"
    # Every part accepted exactly once over both links, and those A left unanswered went
    # again over A only, however long B was the only link that answered.
    assert _accepted(a) + _accepted(b) == Counter(numbers)
    assert not unanswered_at_a & set(_submits(b))
    by_number = {numbers[ids.index(p.message_id)]: p for p in parts.values()}
    for number in unanswered_at_a:
        assert by_number[number].smsc == "a"
        assert by_number[number].resent_unanswered == 1
    assert set(_accepted(b)), "nothing failed over to B"


def _self_signed(directory: Path, common_name: str = "smsc") -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name}.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{common_name}.pem", directory / f"{common_name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_smpp_over_tls_binds_and_sends_and_plaintext_to_the_tls_port_fails(
    databases: Databases, broker: str, tmp_path: Path
) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    secure = SmscSimulator(
        SimulatorConfig(
            receipt_delay=0.05, tls_cert_file=str(cert_file), tls_key_file=str(key_file)
        )
    )
    await secure.start()
    try:
        settings = connector_settings(
            await databases.create("dispatch"),
            broker,
            secure.port,
            smsc_connections=[
                _connection("secure", secure.port, tls=True, tls_ca_file=str(cert_file)),
                _connection("plain", secure.port),
            ],
            smsc_routes=[{"connections": _hops("secure")}],
        )
        numbers = _numbers("+447700", 3)
        async with running_connector(settings) as (connector, runtime, _):
            await _wait_bound(connector, "secure")
            parts = await wait_for_parts(runtime, await queue_messages(runtime, numbers), settled)
            async with asyncio.timeout(15):
                while connector.links["plain"].last_error is None:
                    await asyncio.sleep(0.05)
            plain = connector.links["plain"]
            assert not plain.is_bound
            assert "bind failed" in (plain.last_error or "")
    finally:
        await secure.stop()

    assert {p.status for p in parts.values()} <= {"sent", "delivered"}
    assert set(_accepted(secure)) == set(numbers)
    # The plaintext link's connections never got past the TLS handshake: only the TLS
    # link's session was ever accepted.
    assert secure.journal.connections_accepted == 1


async def test_a_client_certificate_is_presented_when_the_smsc_requires_one(
    databases: Databases, broker: str, tmp_path: Path
) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    client_cert, client_key = _self_signed(tmp_path, "esme")
    strict = SmscSimulator(
        SimulatorConfig(
            tls_cert_file=str(cert_file),
            tls_key_file=str(key_file),
            tls_client_ca_file=str(client_cert),
        )
    )
    await strict.start()
    tls = {"tls": True, "tls_ca_file": str(cert_file)}
    try:
        settings = connector_settings(
            await databases.create("dispatch"),
            broker,
            strict.port,
            smsc_connections=[
                _connection(
                    "with-cert",
                    strict.port,
                    **tls,
                    tls_cert_file=str(client_cert),
                    tls_key_file=str(client_key),
                ),
                _connection("without-cert", strict.port, **tls),
            ],
        )
        async with running_connector(settings) as (connector, _, _):
            await _wait_bound(connector, "with-cert")
            async with asyncio.timeout(15):
                while connector.links["without-cert"].last_error is None:
                    await asyncio.sleep(0.05)
            assert not connector.links["without-cert"].is_bound
            assert strict.bound_sessions == 1
    finally:
        await strict.stop()


@pytest.fixture
async def ops(auth_service: AuthClient) -> str:
    _, token = await auth_service.new_account("Platform operators")
    return token_as(auth_service, token, "ops")


async def test_operators_see_each_link_with_its_health_and_customers_are_refused(
    databases: Databases, broker: str, auth_service: AuthClient, ops: str
) -> None:
    up = SmscSimulator(SimulatorConfig())
    await up.start()
    gone = SmscSimulator(SimulatorConfig())
    await gone.start()
    gone_port = gone.port
    await gone.stop()  # a port nobody listens on
    try:
        values: dict[str, Any] = {
            "smsc_connections": [_connection("up", up.port), _connection("gone", gone_port)],
            "smsc_routes": [{"prefix": "+44", "connections": _hops("up", "gone")}],
            "smsc_health_report_seconds": 0.2,
        }
        database_url = await databases.create("dispatch")
        settings = connector_settings(database_url, broker, up.port, **values)
        app = create_app(
            DispatchSettings(
                database_url=database_url,
                kafka_bootstrap_servers=broker,
                jwks_url=auth_service.jwks_url,
                environment="test",
                consumer_group=f"dispatch-smsc-{uuid4().hex[:8]}",
                **values,
            )
        )
        async with running_connector(settings) as (connector, _, _), running_app(app) as client:
            dispatch = Dispatch(app, client)
            await _wait_bound(connector, "up")
            async with asyncio.timeout(20):
                while True:
                    response = await dispatch.call("GET", "/v1/ops/smsc", ops)
                    assert response.status_code == 200, response.text
                    links = {c["name"]: c for c in response.json()["connections"]}
                    if links["up"]["state"] == "up" and links["gone"]["last_error"]:
                        break
                    await asyncio.sleep(0.1)
            _, customer = await auth_service.new_account()
            refused = await dispatch.call("GET", "/v1/ops/smsc", customer)
    finally:
        await up.stop()

    assert links["up"]["bound_binds"] == 1
    assert links["up"]["circuit"] == "closed"
    assert links["gone"]["state"] == "down"
    assert links["gone"]["bound_binds"] == 0
    assert "bind failed" in links["gone"]["last_error"]
    assert "password" not in response.text
    assert response.json()["routes"] == [
        {
            "destinations": "+44",
            "connections": [
                {"connection": "up", "rank": None, "weight": 1},
                {"connection": "gone", "rank": None, "weight": 1},
            ],
        }
    ]
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


async def test_a_link_that_keeps_failing_is_skipped_then_probed_and_taken_back(
    databases: Databases, broker: str, sims: list[SmscSimulator]
) -> None:
    a, b = sims
    settings = connector_settings(
        await databases.create("dispatch"),
        broker,
        a.port,
        smsc_connections=[_connection("a", a.port, window=1), _connection("b", b.port)],
        smsc_routes=[{"connections": _hops("a", "b")}],
        smsc_failures_to_open=3,
        smsc_open_seconds=3,
    )
    async with running_connector(settings) as (connector, runtime, _):
        await _wait_bound(connector, "a")
        await _wait_bound(connector, "b")
        # ESME_RSYSERR to everything: A stays bound, but fails every submit.
        await a.apply_faults(FaultRequest(error_status=0x08, error_seconds=2))
        failing = _numbers("+447700", 20)
        await wait_for_parts(runtime, await queue_messages(runtime, failing), settled)
        system_errors = a.journal.responses_by_status[0x08]
        assert connector.links["a"].circuit.state != "closed"

        # After the open period one part probes A; its answer closes the circuit.
        async with asyncio.timeout(10):
            while connector.links["a"].circuit.state != "half_open":
                await asyncio.sleep(0.05)
        probe = _numbers("+447700", 1)
        await wait_for_parts(runtime, await queue_messages(runtime, probe), settled)
        later = _numbers("+447700", 5)
        parts = await wait_for_parts(runtime, await queue_messages(runtime, later), settled)

    # Three failures opened the circuit: B carried the rest instead of A refusing it all.
    assert system_errors == 3
    assert set(_accepted(b)) == set(failing)
    assert set(_accepted(a)) == set(probe + later)
    assert {p.smsc for p in parts.values()} == {"a"}
    assert connector.links["a"].circuit.state == "closed"


async def test_a_dead_routes_backlog_does_not_hold_up_a_healthy_route(
    databases: Databases, broker: str
) -> None:
    healthy = SmscSimulator(SimulatorConfig(receipt_delay=0.05))
    await healthy.start()
    dead = SmscSimulator(SimulatorConfig())
    await dead.start()
    dead_port = dead.port
    await dead.stop()  # nobody listens there until it "comes back" below
    settings = connector_settings(
        await databases.create("dispatch"),
        broker,
        healthy.port,
        smsc_connections=[
            _connection("dead", dead_port, window=1),
            _connection("healthy", healthy.port, window=1),
        ],
        smsc_routes=[
            {"prefix": "+33", "connections": _hops("dead")},
            {"prefix": "+44", "connections": _hops("healthy")},
        ],
    )
    back = SmscSimulator(SimulatorConfig(port=dead_port, receipt_delay=0.05))
    try:
        async with running_connector(settings) as (connector, runtime, _):
            await _wait_bound(connector, "healthy")
            # Many times what the connector keeps claimed (its queue target), all older
            # than the healthy route's message.
            unique = uuid4().int % 10**3
            backlog = [f"+33612{unique:03d}{i:03d}" for i in range(480)]
            assert len(backlog) > 10 * connector._queue_target
            backlog_ids = await queue_messages(runtime, backlog)
            urgent = _numbers("+447700", 1)
            urgent_ids = await queue_messages(runtime, urgent)

            sent = await wait_for_parts(runtime, urgent_ids, settled, timeout=20)
            waiting = await parts_of(runtime, backlog_ids)

            await back.start()
            await _wait_bound(connector, "dead", timeout=40)
            drained = await wait_for_parts(runtime, backlog_ids, settled, timeout=60)
    finally:
        await healthy.stop()
        await back.stop()

    assert {p.status for p in sent.values()} <= {"sent", "delivered"}
    assert set(_accepted(healthy)) == set(urgent)
    # The healthy message went while the whole backlog still waited for its link...
    assert {p.status for p in waiting.values()} == {"queued"}
    assert all(p.attempts == 0 for p in waiting.values())
    # ...which, once back, got every part exactly once.
    assert {p.status for p in drained.values()} <= {"sent", "delivered"}
    assert sum(_submits(back).values()) == len(backlog)
    assert {p.smsc for p in drained.values()} == {"dead"}


def _write(path: Path, value: object) -> None:
    # Written aside and renamed, as the kubelet swaps a mounted ConfigMap's files: a reader
    # never sees half a file.
    aside = path.with_suffix(".tmp")
    aside.write_text(json.dumps(value))
    aside.replace(path)


async def test_changed_connections_and_routes_apply_without_a_restart_and_bad_ones_are_refused(
    databases: Databases,
    broker: str,
    sims: list[SmscSimulator],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = sims
    connections_file, routes_file = tmp_path / "connections.json", tmp_path / "routes.json"
    _write(connections_file, [_connection("a", a.port)])
    _write(routes_file, [{"prefix": "+44", "connections": _hops("a")}])
    settings = connector_settings(
        await databases.create("dispatch"),
        broker,
        a.port,
        smsc_connections_file=str(connections_file),
        smsc_routes_file=str(routes_file),
        smsc_reload_seconds=0.1,
    )
    async with running_connector(settings) as (connector, runtime, _):
        await _wait_bound(connector, "a")
        before = _numbers("+447700", 3)
        await wait_for_parts(runtime, await queue_messages(runtime, before), settled)

        # A new connection, and +44 moved over to it.
        _write(connections_file, [_connection("a", a.port), _connection("b", b.port)])
        _write(routes_file, [{"prefix": "+44", "connections": _hops("b", "a")}])
        async with asyncio.timeout(20):
            while "b" not in connector.links:
                await asyncio.sleep(0.05)
        await _wait_bound(connector, "b")
        moved = _numbers("+447700", 3)
        await wait_for_parts(runtime, await queue_messages(runtime, moved), settled)
        # The operators' view reads the files too (the HTTP process has no connector).
        async with runtime.sessionmaker() as session:
            view = await smsc_service.overview(session, settings)
        assert [c.name for c in view.connections] == ["a", "b"]
        assert [h.connection for h in view.routes[0].connections] == ["b", "a"]

        # A route to a connection that does not exist: refused, nothing changes.
        _write(routes_file, [{"prefix": "+44", "connections": _hops("nowhere")}])
        async with asyncio.timeout(10):
            while "'nowhere', which DISPATCH_SMSC_CONNECTIONS does not define" not in caplog.text:
                await asyncio.sleep(0.05)
        refused = _numbers("+447700", 3)
        await wait_for_parts(runtime, await queue_messages(runtime, refused), settled)

        # A CA file that exists but is no certificate: the link can't be made, refused.
        junk = tmp_path / "junk.pem"
        junk.write_text("not a certificate")
        tls_b = _connection("b", b.port, tls=True, tls_ca_file=str(junk))
        _write(connections_file, [_connection("a", a.port), tls_b])
        _write(routes_file, [{"prefix": "+44", "connections": _hops("b", "a")}])
        async with asyncio.timeout(10):
            while "a connection can't be made" not in caplog.text:
                await asyncio.sleep(0.05)
        assert connector.links["b"].tls is None
        assert connector.links["b"].is_bound

        # b changed (a smaller window): it rebinds with it, under the same name.
        _write(connections_file, [_connection("a", a.port), _connection("b", b.port, window=2)])
        async with asyncio.timeout(20):
            while connector.links["b"].connection.window != 2:
                await asyncio.sleep(0.05)
        await _wait_bound(connector, "b")
        changed = _numbers("+447700", 3)
        await wait_for_parts(runtime, await queue_messages(runtime, changed), settled)
        assert b.bound_sessions == 1

        # Connection a removed: it unbinds, b carries everything.
        _write(connections_file, [_connection("b", b.port)])
        _write(routes_file, [{"connections": _hops("b")}])
        async with asyncio.timeout(20):
            while "a" in connector.links or a.bound_sessions:
                await asyncio.sleep(0.05)
        after = _numbers("+33612", 3)
        parts = await wait_for_parts(runtime, await queue_messages(runtime, after), settled)

    assert set(_accepted(a)) == set(before)
    assert set(_accepted(b)) == set(moved + refused + changed + after)
    assert {p.smsc for p in parts.values()} == {"b"}


async def test_the_claim_skips_a_dead_range_but_not_a_part_pinned_to_a_link(
    databases: Databases, broker: str
) -> None:
    settings = connector_settings(await databases.create("dispatch"), broker, 2775)
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    await runtime.start()
    try:
        dead = _numbers("+33712", 3)
        live = _numbers("+447700", 1)
        carved = _numbers("+33612", 1)  # a live route inside the dead one
        ids = await queue_messages(runtime, dead + live + carved)
        pinned = (ids[0], 1)
        async with runtime.sessionmaker() as session, session.begin():
            # Submitted over link "a", never answered: it may be there, so it stays a's.
            await repository.record_submit_attempts(session, [pinned], "a")
        skip = [DeadRange("+33", ("+33612",))]

        async def claim(links: list[str]) -> set[UUID]:
            async with runtime.sessionmaker() as session, session.begin():
                parts = await repository.claim_queued_parts(
                    session, limit=1000, skip=skip, links=links
                )
            return {p.message_id for p in parts} & set(ids)

        assert await claim(["a"]) == {ids[0], ids[3], ids[4]}
        # Pinned to a link no longer configured: routed like any other, so skipped too.
        assert await claim(["b"]) == {ids[3], ids[4]}
    finally:
        await runtime.stop()

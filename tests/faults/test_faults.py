"""Nothing lost and nothing twice while processes die, the SMSC misbehaves and PostgreSQL
restarts under a steady load; the invariants are checked once everything has drained.

`make test-faults` runs this suite; the table it prints is kept in docs/reliability.md.
"""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

import httpx
import pytest

from devstack.stack import SERVICES, Stack
from tests.faults.checker import Checker, FaultRecord, table
from tests.faults.conftest import FAULT_ENV
from tests.faults.injector import Injector
from tests.faults.load import SteadyLoad, sign_up
from tests.support.postgres_server import PostgresServer

pytestmark = [pytest.mark.faults, pytest.mark.asyncio(loop_scope="session")]

RATE = 4.0  # messages a second offered all along: steady, on a box shared with everything
DRAIN_TIMEOUT = 300.0
ESME_RTHROTTLED, ESME_RSYSERR = 0x58, 0x08
# FAULTS_ONLY="kill smpp,smsc silent" runs just those faults (the invariants still apply).
ONLY = {name.strip() for name in os.environ.get("FAULTS_ONLY", "").split(",") if name.strip()}


async def test_nothing_lost_nothing_twice_under_faults(
    platform: Stack, postgres: PostgresServer
) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=15) as client:
        accounts = [await sign_up(client, f"faults-{i}@example.com") for i in range(3)]
        load = SteadyLoad(client, accounts[:2], rate=RATE)
        load.accounts.append(accounts[2])  # the probes' own account, checked like the rest
        running = asyncio.create_task(load.run())
        faults = Injector(platform, postgres, client, load, probe_account=2)
        for name, fault in _schedule(faults):
            if ONLY and name not in ONLY:
                continue
            await faults.inject(name, fault)
        await load.stop()
        await running

        checker = Checker(
            {name: platform.database_url(name) for name in SERVICES},
            platform.kafka,
            [account.id for account in accounts],
            Decimal(FAULT_ENV["BILLING_STARTER_CREDIT"]),
            Decimal(FAULT_ENV["BILLING_PRICE_PER_PART"]),
        )
        drained_after = await _drain(checker)
        async with httpx.AsyncClient(timeout=30) as control:
            submits = (await control.get(f"{platform.smsc_control_url}/submits")).json()
        accepted = {s.key: s.message_id for s in load.report.accepted if s.message_id}
        findings = await checker.check(accepted, submits, faults.faults)
        report = table(
            findings,
            faults.faults,
            {
                "retries": sum(s.tries - 1 for s in load.report.sent),
                "errors": dict(load.report.errors),
            },
        )
        print(report + f"\ndrained after       {drained_after:.1f} s")  # noqa: T201
        assert not load.report.given_up, f"{len(load.report.given_up)} messages never accepted"
        assert all(f.recovered_after is not None for f in faults.faults), report
        assert not findings.violations, report


def _schedule(faults: Injector) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    return [
        ("none (baseline)", faults.kill()),
        ("kill gateway", faults.kill("gateway")),
        ("kill auth", faults.kill("auth")),
        ("kill dispatch", faults.kill("dispatch")),
        ("kill dispatch mid-relay", faults.kill_after_burst("dispatch")),
        ("kill smpp", faults.kill("smpp")),
        ("kill billing", faults.kill("billing")),
        ("kill billing mid-relay", faults.kill_after_burst("billing")),
        ("kill dlr", faults.kill("dlr")),
        ("kill contacts", faults.kill("contacts")),
        ("smsc drops link", faults.smsc({"drop_connections": True})),
        ("smsc silent", faults.smsc({"silence_seconds": 30}, hold=30)),
        (
            "smsc throttles",
            faults.smsc({"error_status": ESME_RTHROTTLED, "error_share": 1.0}, hold=8),
        ),
        (
            "smsc system error",
            faults.smsc({"error_status": ESME_RSYSERR, "error_share": 0.5}, hold=8),
        ),
        ("receipts before response", faults.smsc({"receipt_mode": "before_response"}, hold=8)),
        ("receipts twice", faults.smsc({"receipt_mode": "twice"}, hold=8)),
        ("receipts late", faults.smsc({"receipt_mode": "late", "late_delay": 20}, hold=8)),
        ("postgres restart", faults.restart_postgres("fast")),
        ("postgres crash", faults.restart_postgres("immediate")),
        (
            "combined",
            faults.together(
                faults.kill("dispatch", "smpp"),
                faults.smsc({"drop_connections": True}),
                faults.restart_postgres("immediate", down_for=2),
            ),
        ),
    ]


async def _drain(checker: Checker) -> float:
    started = time.monotonic()
    deadline = started + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        if await checker.unfinished() == 0:
            return time.monotonic() - started
        await asyncio.sleep(1.0)
    return time.monotonic() - started


async def test_broker_restart_loses_nothing_at_rest(platform: Stack) -> None:
    """Tansu keeps everything in memory: a restart loses the events in flight (Kafka keeps
    them on disk, replicated). At rest — every outbox published, every event consumed — the
    platform must come back on its own and deliver new messages."""
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=15) as client:
        account = await sign_up(client, "broker-restart@example.com")
        load = SteadyLoad(client, [account], rate=1.0)
        record = FaultRecord("broker restart", time.time())
        await asyncio.to_thread(platform.restart, "broker")
        record.ended = time.time()
        sent = await load.send_one(0)
        async with asyncio.timeout(180):
            while True:
                response = await client.get(
                    f"/v1/messages/{sent.message_id}", headers=account.headers
                )
                if response.status_code == 200 and response.json()["status"] == "delivered":
                    break
                await asyncio.sleep(0.5)
        record.recovered_after = time.time() - record.ended
        print(f"\nbroker restart: delivered again after {record.recovered_after:.1f} s")  # noqa: T201

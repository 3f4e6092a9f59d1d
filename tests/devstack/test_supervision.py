"""devstack supervises the platform like Kubernetes would: a process that dies comes back on
its port, one that is stopped stays down until started, and after the in-memory broker is
restarted new messages still travel the whole way."""

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from devstack.broker import PLATFORM_TOPICS, TOPIC_PARTITIONS
from devstack.control import ControlServer
from devstack.stack import ROOT, Stack, StackConfig

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    var_dir = Path(tmp_path_factory.mktemp("devstack"))
    # SQLite files in var_dir: the fastest start, and the databases are not under test here.
    config = StackConfig(
        var_dir=var_dir,
        gateway_port=0,
        logs_to_files=True,
        supervise=True,
        simulator_args=("--receipt-delay", "0.2"),
    )
    platform = Stack(config)
    await asyncio.to_thread(platform.start, 120)
    try:
        yield platform
    finally:
        await asyncio.to_thread(platform.stop)
        for log in sorted((var_dir / "logs").glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {log.name} (last {len(lines)} lines)\n" + "\n".join(lines))  # noqa: T201


async def _eventually(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (outcome := await asyncio.to_thread(check)):
            await asyncio.sleep(0.2)
    return outcome


def _ready(stack: Stack) -> bool:
    """Every HTTP process ready by its own /readyz, as Kubernetes would probe them."""
    return set(stack.readiness().values()) == {"ok"}


async def _signed_up(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    password = "a long enough password"
    registered = await client.post(
        "/v1/auth/register",
        json={"email": email, "password": password, "company_name": f"{email} Ltd"},
    )
    assert registered.status_code == 202, registered.text
    login = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _delivered(client: httpx.AsyncClient, headers: dict[str, str], text: str) -> None:
    sent = await client.post(
        "/v1/messages", headers=headers, json={"to": "+447700900123", "text": text}
    )
    assert sent.status_code == 202, sent.text
    status = ""
    async with asyncio.timeout(60):
        while status != "delivered":
            await asyncio.sleep(0.2)
            response = await client.get(f"/v1/messages/{sent.json()['id']}", headers=headers)
            assert response.status_code == 200, response.text
            status = response.json()["status"]
            assert status not in {"rejected", "failed", "undelivered"}, response.json()


async def test_a_killed_service_is_restarted_on_its_port(stack: Stack) -> None:
    before, restarts = stack.pid("dispatch"), stack.restarts["dispatch"]
    assert before is not None

    stack.kill("dispatch", signal.SIGKILL)

    after = await _eventually(lambda: (pid := stack.pid("dispatch")) != before and pid)
    assert stack.restarts["dispatch"] == restarts + 1
    # Back behind the gateway at the URL the gateway was configured with.
    await _eventually(lambda: _ready(stack))
    assert stack.pid("dispatch") == after
    log = stack.log_path("dispatch")
    assert log is not None
    assert "dispatch exited with -9; restarting in 0.5s (restart 1)" in log.read_text()


async def test_a_stopped_process_stays_down_until_started(stack: Stack) -> None:
    restarts = stack.restarts["contacts"]

    await asyncio.to_thread(stack.stop_process, "contacts")
    # Longer than the first back-off: the supervisor would have restarted it by now.
    await asyncio.sleep(2)

    assert stack.pid("contacts") is None
    readiness = await asyncio.to_thread(stack.readiness)
    assert readiness["contacts"].startswith("failing")
    # The gateway's own readiness does not depend on contacts (nor tell of it).
    assert readiness["gateway"] == "ok"

    await asyncio.to_thread(stack.start_process, "contacts")
    await _eventually(lambda: _ready(stack))
    assert stack.restarts["contacts"] == restarts  # started on request, not after a crash


async def test_new_messages_flow_after_the_broker_restarts(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as client:
        alice = await _signed_up(client, "alice@example.com")
        # Consumer groups have committed offsets on every partition now, past the start of
        # the new broker's empty topics; none of it may make them skip the new events.
        await asyncio.gather(*(_delivered(client, alice, f"before {n}") for n in range(8)))
        before = stack.pid("broker")

        stack.kill("broker")

        await _eventually(lambda: (pid := stack.pid("broker")) != before and pid)
        await _eventually(lambda: _ready(stack))
        await asyncio.gather(*(_delivered(client, alice, f"after {n}") for n in range(8)))

    # Every topic the services create at their start is back, dead-letter topics included,
    # with the services' partition count (not the broker's default of 4).
    assert await _partitions_by_topic(stack.kafka) == dict.fromkeys(
        PLATFORM_TOPICS, TOPIC_PARTITIONS
    )
    log = stack.log_path("broker")
    assert log is not None
    assert "events it held that were not yet consumed are lost" in log.read_text()


async def _partitions_by_topic(bootstrap_servers: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        topics = await admin.describe_topics(await admin.list_topics())
    finally:
        await admin.close()
    return {topic["topic"]: len(topic["partitions"]) for topic in topics}


async def test_people_control_a_running_stack_from_the_command_line(stack: Stack) -> None:
    var_dir = stack.config.var_dir
    control = ControlServer(stack, var_dir)
    control.start()
    try:
        before = stack.pid("smpp")
        restarted = await asyncio.to_thread(_cli, var_dir, "restart", "smpp")
        status = await asyncio.to_thread(_cli, var_dir, "status")
        unknown = await asyncio.to_thread(
            subprocess.run, _cli_args(var_dir, "stop", "nonesuch"), capture_output=True, text=True
        )
    finally:
        control.stop()

    after = stack.pid("smpp")
    assert after not in (None, before)
    assert f"smpp: restart done (pid {after})" in restarted
    smpp_line = next(line for line in status.splitlines() if line.startswith("smpp "))
    assert smpp_line.split()[1:3] == ["running", str(after)]
    assert unknown.returncode == 1
    assert "no process 'nonesuch'" in unknown.stderr


def _cli_args(var_dir: Path, *command: str) -> list[str]:
    return [sys.executable, "-m", "devstack", "--var-dir", str(var_dir), *command]


def _cli(var_dir: Path, *command: str) -> str:
    done = subprocess.run(
        _cli_args(var_dir, *command), capture_output=True, text=True, cwd=ROOT, check=True
    )
    return done.stdout


async def test_messages_flow_after_the_smsc_restarts(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as client:
        bob = await _signed_up(client, "bob@example.com")
        before = stack.pid("smsc")

        stack.kill("smsc")

        await _eventually(lambda: (pid := stack.pid("smsc")) != before and pid)
        await _delivered(client, bob, "after the SMSC restart")

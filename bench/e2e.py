"""End-to-end throughput: N messages through the gateway to the SMSC simulator.

Prints accepted/s (HTTP intake), submitted-to-SMSC/s while intake runs, delivered/s end to
end, and each process's peak RSS. A benchmark, not a test: it asserts nothing.

    make bench BENCH_ARGS="--messages 10000 --concurrency 64"
"""

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from devstack.stack import Stack, StackConfig  # noqa: E402


@dataclass
class Progress:
    """Counts read from dispatch's own database: the connector's record of the SMSC's word."""

    samples: list[tuple[float, int, int]] = field(default_factory=list)
    peak_rss: dict[str, int] = field(default_factory=dict)


async def watch(stack: Stack, progress: Progress, stop: asyncio.Event) -> None:
    engine = create_async_engine(stack.database_url("dispatch"))
    query = text(
        "SELECT count(*) FILTER (WHERE submitted_at IS NOT NULL),"
        " count(*) FILTER (WHERE status = 'delivered') FROM message_parts"
    )
    processes = {p.name: psutil.Process(p.popen.pid) for p in stack.processes}
    while not stop.is_set():
        async with engine.connect() as connection:
            submitted, delivered = (await connection.execute(query)).one()
        progress.samples.append((time.monotonic(), submitted, delivered))
        for name, process in processes.items():
            try:
                rss = process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            progress.peak_rss[name] = max(progress.peak_rss.get(name, 0), rss)
        await asyncio.sleep(0.25)
    await engine.dispose()


@dataclass
class Intake:
    accepted: int = 0
    refused: dict[int, int] = field(default_factory=dict)
    transport_retries: int = 0


async def send_all(base_url: str, token: str, count: int, concurrency: int) -> Intake:
    intake, numbers = Intake(), iter(range(count))

    async def worker() -> None:
        # One small client per worker: httpx's pool slows down with its size (one client of
        # 64 connections managed ~70 requests/s here), so a shared client would measure
        # the load generator instead of the platform.
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            for i in numbers:
                await send(client, i)

    async def send(client: httpx.AsyncClient, i: int) -> None:
        # What a careful integrator does: an Idempotency-Key, and a retry on a dropped
        # connection, so a message is sent once however the connection behaves.
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{i}"}
        body = {"to": f"+4479112{i % 100000:05d}", "text": f"Benchmark message {i}"}
        for _ in range(5):
            try:
                response = await client.post("/v1/messages", json=body, headers=headers)
                break
            except httpx.TransportError:
                intake.transport_retries += 1
        else:
            intake.refused[0] = intake.refused.get(0, 0) + 1
            return
        if response.status_code == 202:
            intake.accepted += 1
        else:
            intake.refused[response.status_code] = intake.refused.get(response.status_code, 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return intake


async def login(client: httpx.AsyncClient) -> str:
    credentials = {"email": "bench@example.com", "password": "benchmark password"}
    await client.post("/v1/auth/register", json={**credentials, "company_name": "Bench"})
    response = await client.post("/v1/auth/login", json=credentials)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def rate_between(samples: list[tuple[float, int, int]], start: float, end: float, i: int) -> float:
    inside = [s for s in samples if start <= s[0] <= end]
    if len(inside) < 2 or inside[-1][0] == inside[0][0]:
        return 0.0
    return (inside[-1][i] - inside[0][i]) / (inside[-1][0] - inside[0][0])


async def run(args: argparse.Namespace) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="smsgw-bench-"))
    config = StackConfig.from_environment(var_dir)
    config.gateway_port = 0
    config.logs_to_files = True
    config.simulator_args = ("--receipt-delay", str(args.receipt_delay))
    config.extra_env = {
        "BILLING_STARTER_CREDIT": "1000000",
        "DISPATCH_SMPP_WINDOW": str(args.window),
    }
    stack = Stack(config)
    await asyncio.to_thread(stack.start, 120)
    progress, stop = Progress(), asyncio.Event()
    accepted, started, intake_done, finished = 0, time.monotonic(), time.monotonic(), 0.0
    intake = Intake()
    try:
        limits = httpx.Limits(max_connections=args.concurrency)
        async with httpx.AsyncClient(
            base_url=stack.gateway_url, timeout=60, limits=limits
        ) as client:
            token = await login(client)
            watcher = asyncio.create_task(watch(stack, progress, stop))
            started = time.monotonic()
            intake = await send_all(stack.gateway_url, token, args.messages, args.concurrency)
            accepted = intake.accepted
            intake_done = time.monotonic()
            async with asyncio.timeout(args.drain_timeout):
                while not progress.samples or progress.samples[-1][2] < accepted:
                    await asyncio.sleep(0.25)
            finished = time.monotonic()
            stop.set()
            await watcher
    except TimeoutError:
        finished = time.monotonic()
        print(f"not every message was delivered within {args.drain_timeout}s")
    finally:
        stop.set()
        await asyncio.to_thread(stack.stop)
    _, submitted, delivered = progress.samples[-1] if progress.samples else (0, 0, 0)
    intake_seconds = intake_done - started
    print(f"messages            {args.messages} sent, {accepted} accepted")
    if intake.refused or intake.transport_retries:
        print(f"refused by status   {intake.refused}, transport retries {intake.transport_retries}")
    print(f"concurrency         {args.concurrency} HTTP, window {args.window} SMPP")
    print(f"database            {stack.database_url('dispatch').split(':')[0]}")
    rate = accepted / intake_seconds
    print(f"accepted/s          {rate:8.1f}   (HTTP intake, {intake_seconds:.1f}s)")
    print(
        f"submitted/s intake  {rate_between(progress.samples, started, intake_done, 1):8.1f}"
        "   (submit_sm_resp recorded while intake ran)"
    )
    print(
        f"delivered/s e2e     {delivered / (finished - started):8.1f}"
        f"   ({delivered} delivered in {finished - started:.1f}s, {submitted} submitted)"
    )
    print(
        "peak RSS (MiB)      "
        + ", ".join(f"{name} {rss / 2**20:.0f}" for name, rss in sorted(progress.peak_rss.items()))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--window", type=int, default=10, help="outstanding submit_sm")
    parser.add_argument("--receipt-delay", type=float, default=0.1)
    parser.add_argument("--drain-timeout", type=float, default=600)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

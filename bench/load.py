"""Load generators: a closed loop (N clients, each sends when its answer is back) and an open
loop (a fixed rate whatever the answers), both of single `POST /v1/messages`."""

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

# Bounds of the open loop, so a stalled platform cannot make the generator grow without end.
MAX_IN_FLIGHT = 2000
REQUEST_TIMEOUT = 30.0


@dataclass
class Intake:
    accepted: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # "503 service_unavailable": n
    transport_retries: int = 0
    # Seconds from the moment a request was due to its 202 (open loop: includes any wait
    # for a connection, so a slow platform cannot hide behind a slow generator).
    latencies: list[float] = field(default_factory=list)
    skipped: int = 0  # open loop: not sent because MAX_IN_FLIGHT requests were outstanding

    def refuse(self, why: str) -> None:
        self.refused[why] = self.refused.get(why, 0) + 1


async def login(client: httpx.AsyncClient) -> str:
    credentials = {"email": "bench@example.com", "password": "benchmark password"}
    await client.post("/v1/auth/register", json={**credentials, "company_name": "Bench"})
    response = await client.post("/v1/auth/login", json=credentials)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    await _funded(client, token)
    return token


async def _funded(client: httpx.AsyncClient, token: str, timeout: float = 60.0) -> None:
    """Waits for billing to grant the starter credit (on account.registered): a message
    charged before it would be declined for want of credit."""
    headers = {"Authorization": f"Bearer {token}"}
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get("/v1/billing/balance", headers=headers)
            if response.status_code == 200 and Decimal(response.json()["balance"]) > 0:
                return
            await asyncio.sleep(0.2)


class Sender:
    """Sends message number `i` the way a careful integrator does: an Idempotency-Key, and a
    retry on a dropped connection, so a message is sent once however the connection behaves."""

    def __init__(self, token: str, run: str) -> None:
        self.token = token
        self.run = run

    async def send(self, client: httpx.AsyncClient, i: int, intake: Intake, due: float) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"{self.run}-{i}"}
        body = {"to": f"+4479112{i % 100000:05d}", "text": f"Benchmark message {i}"}
        for _ in range(5):
            try:
                response = await client.post("/v1/messages", json=body, headers=headers)
                break
            except httpx.TransportError:
                intake.transport_retries += 1
        else:
            intake.refuse("no answer after 5 tries")
            return
        if response.status_code == 202:
            intake.accepted += 1
            intake.latencies.append(time.monotonic() - due)
        else:
            intake.refuse(f"{response.status_code} {_problem_code(response)}")


async def closed_loop(base_url: str, sender: Sender, count: int, concurrency: int) -> Intake:
    intake, numbers = Intake(), iter(range(count))

    async def worker() -> None:
        # One small client per worker: httpx's pool slows down with its size (one client of
        # 64 connections managed ~70 requests/s here), so a shared client would measure
        # the load generator instead of the platform.
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            for i in numbers:
                await sender.send(client, i, intake, time.monotonic())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return intake


async def open_loop(
    base_url: str, sender: Sender, rate: float, duration: float, clients: int = 32
) -> Intake:
    """Offers `rate` requests per second for `duration` seconds: request i is due at
    start + i/rate and goes out then, answered or not (at most rate × duration requests)."""
    intake = Intake()
    total = int(rate * duration)
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    pool = [
        httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits)
        for _ in range(clients)
    ]
    round_robin = itertools.cycle(pool)
    in_flight: set[asyncio.Task[None]] = set()
    try:
        start = time.monotonic()
        for i in range(total):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= MAX_IN_FLIGHT:
                intake.skipped += 1
                continue
            task = asyncio.create_task(sender.send(next(round_robin), i, intake, due))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(in_flight, timeout=REQUEST_TIMEOUT + 5)
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*(client.aclose() for client in pool))
    return intake


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""

"""Bulk sending through `POST /v1/messages/batch`: one text, many recipients per request."""

import asyncio
import time
from dataclasses import dataclass, field

import httpx

# A route the gateway or dispatch does not know answers 404 (or 405 where the path matches
# `GET /v1/messages/{id}`): the batch API is not there.
NOT_THERE = (404, 405)


@dataclass
class BatchIntake:
    available: bool = True
    not_there_status: int = 0
    accepted: int = 0
    rejected: int = 0
    requests: int = 0
    failed: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds per batch request


async def send_batches(
    base_url: str, token: str, run: str, count: int, size: int, concurrency: int
) -> BatchIntake:
    intake = BatchIntake()
    starts = iter(range(0, count, size))
    headers = {"Authorization": f"Bearer {token}"}

    async def one(client: httpx.AsyncClient, first: int) -> None:
        body = {
            "text": f"Benchmark batch {run} from {first}",
            "to": [f"+4479113{i % 100000:05d}" for i in range(first, min(first + size, count))],
        }
        began = time.monotonic()
        response = await client.post(
            "/v1/messages/batch",
            json=body,
            headers={**headers, "Idempotency-Key": f"{run}-batch-{first}"},
        )
        intake.requests += 1
        if response.status_code in NOT_THERE:
            intake.available = False
            intake.not_there_status = response.status_code
            return
        if response.status_code != 202:
            intake.failed[response.status_code] = intake.failed.get(response.status_code, 0) + 1
            return
        intake.latencies.append(time.monotonic() - began)
        answer = response.json()
        intake.accepted += int(answer["accepted"])
        intake.rejected += len(answer.get("rejected", []))

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
            for first in starts:
                if not intake.available:
                    return
                await one(client, first)

    # The first request alone: if the API is missing, say so once instead of N times.
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        first = next(starts, None)
        if first is not None:
            await one(client, first)
    if intake.available:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return intake

"""Liveness of the gateway itself, and readiness of everything behind it."""

import asyncio

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.state import current

# Below the readiness probe's 2 s timeout, so a slow service reads as failing, not the gateway.
_CHECK_TIMEOUT_SECONDS = 1.5

router = APIRouter(tags=["health"], include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    gateway = current(request)
    names = list(gateway.upstreams)
    outcomes = await asyncio.gather(
        *(_check(gateway.clients.next(), gateway.upstreams[name]) for name in names)
    )
    checks = dict(zip(names, outcomes, strict=True))
    ready = all(outcome == "ok" for outcome in checks.values())
    # Same body as every service's /readyz (shared.health), so one probe reads them all.
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


async def _check(client: httpx.AsyncClient, base_url: str) -> str:
    try:
        response = await client.get(f"{base_url}/readyz", timeout=_CHECK_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return f"failing: {exc.__class__.__name__}"
    return "ok" if response.status_code == 200 else f"failing: HTTP {response.status_code}"

"""Liveness and readiness: /healthz says the process is up, /readyz that it can do work."""

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]
# Below the probes' own timeout, so a hung dependency reads as "not ready", not a timeout.
CHECK_TIMEOUT_SECONDS = 1.5


def health_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"], include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        outcomes = await asyncio.gather(
            *(asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS) for check in checks.values()),
            return_exceptions=True,
        )
        results = {
            name: "ok" if outcome is None else f"failing: {outcome.__class__.__name__}"
            for name, outcome in zip(checks, outcomes, strict=True)
        }
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status_code=200 if ready else 503,
        )

    return router

"""Liveness and readiness: /healthz says the process is up, /readyz that it can do work."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]


def health_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"], include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"failing: {exc.__class__.__name__}"
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status_code=200 if ready else 503,
        )

    return router

"""`python -m dispatch_service.smpp.worker`: the SMPP connector process.

It shares dispatch's database and outbox with the HTTP process but not its event loop, so
a burst of API requests never delays a submit_sm (and vice versa).
"""

import logging

import uvloop
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.smpp.connector import Connector
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.tracing import configure_tracing
from shared.worker import HealthEndpoint, run_until_stopped

log = logging.getLogger(__name__)


def health_app(runtime: ServiceRuntime, connector: Connector) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = {"smsc_bound": connector.is_bound}
        try:
            await runtime.check_database()
            checks["database"] = True
        except Exception:
            checks["database"] = False
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    return app


async def main(settings: DispatchSettings | None = None) -> int:
    """Runs until SIGINT/SIGTERM (exit status 0) or until one of its tasks dies (1), so
    the supervisor restarts a connector that stopped sending instead of seeing a clean exit."""
    settings = settings or DispatchSettings()
    configure_logging("smpp", settings.log_level, settings.log_format)
    configure_tracing("smpp")
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    await runtime.start()
    connector = Connector(settings, runtime)
    health = None
    if settings.smpp_health_port:
        health = HealthEndpoint(
            health_app(runtime, connector), settings.smpp_health_host, settings.smpp_health_port
        )
    status = await run_until_stopped("connector", connector.run(), health)
    await runtime.stop()
    return status


if __name__ == "__main__":
    # uvloop, as uvicorn runs the HTTP processes: the connector is mostly socket writes
    # (a submit_sm, a deliver_sm_resp each), which cost a quarter of its CPU on asyncio's
    # own loop.
    raise SystemExit(uvloop.run(main()))

"""`python -m dlr_service.webhooks`: the delivery worker, a process of its own so that slow
receivers never share an event loop with dlr's consumer. On PostgreSQL several may run
(claims skip what another worker holds); on SQLite run one. It publishes nothing itself:
the endpoint-disabled event it writes to dlr's outbox leaves through the dlr service's
relay."""

import asyncio
import logging

import uvloop
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dlr_service.config import DlrSettings
from dlr_service.webhooks.worker import WebhookWorker
from shared.db import create_engine, create_sessionmaker
from shared.logging import configure_logging
from shared.tracing import configure_tracing
from shared.worker import HealthEndpoint, run_until_stopped

log = logging.getLogger(__name__)


def health_app(engine: AsyncEngine) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            async with asyncio.timeout(1.5), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            failing = {"database": f"failing: {exc.__class__.__name__}"}
            return JSONResponse({"status": "failing", "checks": failing}, status_code=503)
        return JSONResponse({"status": "ok", "checks": {"database": "ok"}})

    return app


async def main(settings: DlrSettings | None = None) -> int:
    """Runs until SIGINT/SIGTERM (0) or until a task dies (1, so it gets restarted)."""
    settings = settings or DlrSettings()
    configure_logging("webhooks", settings.log_level, settings.log_format)
    configure_tracing("webhooks")
    engine = create_engine(settings.database_url)
    worker = WebhookWorker(create_sessionmaker(engine), settings)
    health = None
    if settings.webhook_health_port:
        health = HealthEndpoint(
            health_app(engine), settings.webhook_health_host, settings.webhook_health_port
        )
    status = await run_until_stopped("webhook-worker", worker.run(), health)
    await engine.dispose()
    return status


if __name__ == "__main__":
    raise SystemExit(uvloop.run(main()))

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import docs, health
from gateway.config import GatewaySettings
from gateway.proxy import proxy_endpoint
from gateway.request_id import RequestIdMiddleware
from gateway.state import open_gateway
from shared.body_limit import BodyLimitMiddleware
from shared.errors import UnhandledErrorMiddleware, install_problem_handlers
from shared.logging import configure_logging

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_gateway(settings) as gateway:
            app.state.gateway = gateway
            yield

    # FastAPI's own docs would describe only the gateway's few routes; docs.router serves
    # the merged document of the whole platform instead.
    app = FastAPI(
        title="smsgw API",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    # Inside the request id, so a refused body's 413 and a 500 carry the id too.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RequestIdMiddleware)
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(docs.router)
    # Last, so the gateway's own routes above take precedence over the catch-all. A plain
    # Starlette route: no FastAPI parameter parsing, the body stays an unread stream.
    app.add_route("/{path:path}", proxy_endpoint, methods=_METHODS, include_in_schema=False)
    return app

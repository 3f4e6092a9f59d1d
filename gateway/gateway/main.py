from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import docs, health
from gateway.activity import ActivityLogMiddleware, open_activity_log
from gateway.admission import InFlightLimitMiddleware
from gateway.body_timeout import BodyTimeoutMiddleware
from gateway.config import GatewaySettings
from gateway.edge_headers import SecurityHeadersMiddleware, add_cors
from gateway.forwarding import ClientAddressMiddleware
from gateway.metrics import metrics_server, route_label
from gateway.proxy import proxy_endpoint
from gateway.rate_limits import RateLimitHeadersMiddleware, open_rate_limits
from gateway.routes import matched_prefix
from gateway.state import open_gateway
from shared.body_limit import BodyLimitMiddleware
from shared.errors import UnhandledErrorMiddleware, install_problem_handlers
from shared.logging import configure_logging
from shared.metrics.http import HttpMetricsMiddleware
from shared.request_id import RequestIdMiddleware
from shared.tracing import configure_tracing, instrument_app

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Uploads of contacts to import: larger bodies, more time (see the settings).
IMPORTS_PATH = "/v1/contacts/imports"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level, settings.log_format)
    configure_tracing("gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_gateway(settings) as gateway,
            open_rate_limits(settings) as limits,
            open_activity_log(settings) as activity,
        ):
            app.state.gateway = gateway
            app.state.rate_limits = limits
            app.state.activity = activity
            with metrics_server(settings):
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
    # Innermost first; every refusal below (408, 413, 500) still gets the CORS, security
    # and request-id headers added further out, and sees the client forwarding settled.
    app.add_middleware(
        BodyTimeoutMiddleware,
        seconds=settings.body_timeout_seconds,
        path_seconds={IMPORTS_PATH: settings.import_body_timeout_seconds},
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_max_bytes={IMPORTS_PATH: settings.import_max_body_bytes},
    )
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(RateLimitHeadersMiddleware)
    # Outside every check that costs (token, rate limit, upstream), inside CORS so that a
    # browser can read the refusal, and inside the activity log, which records it.
    app.add_middleware(
        InFlightLimitMiddleware,
        max_in_flight=settings.max_in_flight,
        retry_after_seconds=settings.overload_retry_after_seconds,
        exempt_paths=health.PROBE_PATHS,
    )
    add_cors(app, settings, _METHODS)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    app.add_middleware(RequestIdMiddleware)
    # Inside the client's address, outside every refusal: records what the client got.
    app.add_middleware(ActivityLogMiddleware)
    app.add_middleware(ClientAddressMiddleware, trusted_proxies=settings.trusted_proxies)
    # Outermost: its latency is the whole of what the client waited for.
    app.add_middleware(HttpMetricsMiddleware, route_label=route_label)
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(docs.router)
    # Last, so the gateway's own routes above take precedence over the catch-all. A plain
    # Starlette route: no FastAPI parameter parsing, the body stays an unread stream.
    app.add_route("/{path:path}", proxy_endpoint, methods=_METHODS, include_in_schema=False)
    # The root of a request's trace: outside every middleware, each service's span its child.
    instrument_app(app, route=matched_prefix)
    return app

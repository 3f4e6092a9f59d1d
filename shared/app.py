"""The FastAPI application every service starts from."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware
from shared.db import session_scope
from shared.errors import (
    PROBLEM_SCHEMA,
    PROBLEM_SCHEMA_NAME,
    UnhandledErrorMiddleware,
    install_problem_handlers,
    problem_response_doc,
    problem_responses,
)
from shared.health import health_router
from shared.logging import configure_logging
from shared.metrics.endpoint import metrics_router
from shared.metrics.http import HttpMetricsMiddleware
from shared.request_id import RequestIdMiddleware
from shared.runtime import ServiceRuntime
from shared.security import Principal, bearer_token
from shared.tracing import configure_tracing, instrument_app

# Every operation can answer these, whatever its own errors are.
_EVERY_OPERATION = (413, 422, 500)


def create_service_app(
    name: str,
    runtime: ServiceRuntime,
    routers: Sequence[APIRouter],
    version: str = "1.0.0",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    path_max_bytes: Mapping[str, int] | None = None,
) -> FastAPI:
    configure_logging(name, runtime.settings.log_level, runtime.settings.log_format)
    configure_tracing(name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"smsgw {name}", version=version, lifespan=lifespan)
    app.state.runtime = runtime
    install_problem_handlers(app)
    # Added last, so outermost: it also answers for what the body limit refuses.
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, path_max_bytes=path_max_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    # Outermost: the lines logged while refusing a body carry the request id too.
    app.add_middleware(RequestIdMiddleware)
    # Outermost of all: its latency is the whole of what the client waited for.
    app.add_middleware(HttpMetricsMiddleware)
    app.include_router(
        health_router({"database": runtime.check_database, "broker": runtime.check_broker})
    )
    # On the service's own port, which only the cluster reaches (the gateway routes no
    # path here).
    app.include_router(metrics_router())
    # Imported here: shared.roles builds its checks on this module's PrincipalDep.
    from shared.roles.routes import document_permissions

    for router in routers:
        # Before the router is included: the app's copy of a route is made from it.
        document_permissions(router.routes)
        # Declaring 422 also keeps FastAPI from documenting its own (plain JSON) one.
        app.include_router(router, responses=problem_responses(*_EVERY_OPERATION))
    _document_problem_schema(app)
    # Outside every middleware above: the span covers all the client waited for.
    instrument_app(app)
    return app


def _document_problem_schema(app: FastAPI) -> None:
    """Adds the Problem schema the operations' error responses refer to, and the 400 that
    an operation with a body answers when the body cannot even be parsed (not UTF-8)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
            for item in document.get("paths", {}).values():
                for operation in item.values():
                    if isinstance(operation, dict) and "requestBody" in operation:
                        responses = operation.setdefault("responses", {})
                        responses.setdefault("400", problem_response_doc(400))
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


# Dependencies are async even when they don't await: FastAPI runs a plain `def` dependency
# in its threadpool, a thread hop on every request.
async def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: ServiceRuntime = request.app.state.runtime
    async for session in session_scope(runtime.sessionmaker, runtime.after_commit):
        yield session


async def _principal(request: Request) -> Principal:
    verifier = request.app.state.runtime.verifier
    assert verifier is not None, "this service was not configured to verify tokens"
    return await verifier.verify(bearer_token(request))


# scope="function": commit before the response goes out, so a client that gets 201/202
# and immediately reads back always sees its own write.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
PrincipalDep = Annotated[Principal, Depends(_principal)]
RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime)]

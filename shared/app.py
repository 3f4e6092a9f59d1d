"""The FastAPI application every service starts from."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import session_scope
from shared.errors import install_problem_handlers
from shared.health import health_router
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.security import Principal, bearer_token


def create_service_app(
    name: str, runtime: ServiceRuntime, routers: Sequence[APIRouter], version: str = "1.0.0"
) -> FastAPI:
    configure_logging(name, runtime.settings.log_level)

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
    app.include_router(
        health_router({"database": runtime.check_database, "broker": runtime.check_broker})
    )
    for router in routers:
        app.include_router(router)
    return app


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

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Inbox, Outbox
from dispatch_service.expiry.sweeper import ReceiptSweeper
from dispatch_service.messages.handlers import HANDLERS, TOPICS
from dispatch_service.messages.router import router as messages_router
from shared.app import create_service_app
from shared.runtime import ConsumerSpec, ServiceRuntime


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    settings = settings or DispatchSettings()
    runtime = ServiceRuntime(
        settings=settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        consumer_specs=(ConsumerSpec(settings.consumer_group, TOPICS, HANDLERS),),
    )
    app = create_service_app("dispatch", runtime, [messages_router])
    runtime_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app):
            # Started once the runtime has its database; stopped before the runtime closes it.
            sweeper = ReceiptSweeper(runtime.sessionmaker, settings)
            task = asyncio.create_task(sweeper.run(), name="receipt-sweeper")
            try:
                yield
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
    return app

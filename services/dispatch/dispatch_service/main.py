from fastapi import FastAPI

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Inbox, Outbox
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
    return create_service_app("dispatch", runtime, [messages_router])

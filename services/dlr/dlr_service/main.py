from fastapi import FastAPI

from dlr_service.config import DlrSettings
from dlr_service.consumer import consumer_spec
from dlr_service.db import Inbox, Outbox
from shared.app import create_service_app
from shared.runtime import ServiceRuntime


def create_app(settings: DlrSettings | None = None) -> FastAPI:
    runtime = ServiceRuntime(
        settings or DlrSettings(),
        outbox_model=Outbox,
        inbox_model=Inbox,
        consumer_specs=(consumer_spec(),),
    )
    # No public routes yet: dlr only consumes and publishes; the kit adds /healthz and /readyz.
    return create_service_app("dlr", runtime, routers=[])

from fastapi import FastAPI

from contacts_service.config import ContactsSettings
from contacts_service.contacts.router import router as contacts_router
from contacts_service.db import Outbox
from shared.app import create_service_app
from shared.runtime import ServiceRuntime


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    return create_service_app("contacts", runtime, [contacts_router])

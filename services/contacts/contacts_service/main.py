from fastapi import FastAPI

from contacts_service.config import ContactsSettings
from contacts_service.contacts.router import router as contacts_router
from contacts_service.db import Outbox
from contacts_service.fields.router import router as fields_router
from shared.app import create_service_app
from shared.runtime import ServiceRuntime


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    # The fixed paths (/v1/contacts/fields) before the contacts' /v1/contacts/{contact_id}.
    return create_service_app("contacts", runtime, [fields_router, contacts_router])

from fastapi import FastAPI

from contacts_service.config import ContactsSettings
from contacts_service.consent.handlers import HANDLERS, TOPICS
from contacts_service.consent.router import router as consent_router
from contacts_service.contacts.router import router as contacts_router
from contacts_service.db import Inbox, Outbox
from contacts_service.fields.router import router as fields_router
from contacts_service.groups.router import router as groups_router
from contacts_service.unsubscribe.router import public_router as unsubscribe_router
from contacts_service.unsubscribe.router import router as unsubscribe_token_router
from shared.app import create_service_app
from shared.runtime import ConsumerSpec, ServiceRuntime


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ServiceRuntime(
        settings=settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        # Opt-outs by STOP reply (dlr) become consent records of their number.
        consumer_specs=(ConsumerSpec(settings.consumer_group, TOPICS, HANDLERS),),
    )
    # The fixed paths (/v1/contacts/fields, /groups) before /v1/contacts/{contact_id}.
    routers = [
        fields_router,
        groups_router,
        contacts_router,
        consent_router,
        unsubscribe_token_router,
        unsubscribe_router,
    ]
    return create_service_app("contacts", runtime, routers)

from fastapi import FastAPI

from contacts_service.campaign_audience import handlers as audience
from contacts_service.campaign_audience import service as audiences
from contacts_service.config import ContactsSettings
from contacts_service.consent import handlers as consent
from contacts_service.consent.router import router as consent_router
from contacts_service.contacts.router import router as contacts_router
from contacts_service.db import Inbox, Outbox
from contacts_service.fields.router import router as fields_router
from contacts_service.groups.router import router as groups_router
from contacts_service.imports import service as imports
from contacts_service.imports.router import router as imports_router
from contacts_service.unsubscribe.router import public_router as unsubscribe_router
from contacts_service.unsubscribe.router import router as unsubscribe_token_router
from shared.app import create_service_app
from shared.periodic import PeriodicJob
from shared.runtime import ConsumerSpec, ServiceRuntime

# Multipart framing around the uploaded file itself.
_MULTIPART_OVERHEAD = 1024 * 1024


class ContactsRuntime(ServiceRuntime):
    """The kit's runtime plus the imports' worker, the deletion of their old files and the
    campaign audiences' pager."""

    async def start(self) -> None:
        await super().start()
        settings = self.settings
        assert isinstance(settings, ContactsSettings)

        async def work_imports() -> int:
            return await imports.process_pending(
                self.sessionmaker,
                settings.import_dir,
                settings.import_chunk_rows,
                settings.import_max_rows,
            )

        async def delete_old_files() -> int:
            return await imports.delete_expired_files(
                self.sessionmaker, settings.import_dir, settings.import_retention_days
            )

        self.start_periodic(
            PeriodicJob("contact-imports", settings.import_poll_seconds, work_imports)
        )
        self.start_periodic(PeriodicJob("contact-import-retention", 3600, delete_old_files))

        async def page_audiences() -> int:
            return await audiences.process_pending(
                self.sessionmaker, settings.campaign_audience_chunk_size
            )

        self.start_periodic(
            PeriodicJob(
                "campaign-audiences", settings.campaign_audience_poll_seconds, page_audiences
            )
        )


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    settings = settings or ContactsSettings()
    runtime = ContactsRuntime(
        settings=settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        # Opt-outs by STOP reply (dlr) become consent records of their number; dispatch's
        # campaigns ask for their audiences.
        consumer_specs=(
            ConsumerSpec(
                settings.consumer_group,
                (*consent.TOPICS, *audience.TOPICS),
                {**consent.HANDLERS, **audience.HANDLERS},
            ),
        ),
    )
    # The fixed paths (/v1/contacts/fields, /groups) before /v1/contacts/{contact_id}.
    routers = [
        fields_router,
        groups_router,
        imports_router,
        contacts_router,
        consent_router,
        unsubscribe_token_router,
        unsubscribe_router,
    ]
    return create_service_app(
        "contacts",
        runtime,
        routers,
        path_max_bytes={imports_router.prefix: settings.import_max_bytes + _MULTIPART_OVERHEAD},
    )

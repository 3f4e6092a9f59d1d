from fastapi import FastAPI

from contacts_service.campaign_audience import handlers as audience
from contacts_service.campaign_audience import service as audiences
from contacts_service.config import ContactsSettings
from contacts_service.consent import handlers as consent
from contacts_service.consent.router import router as consent_router
from contacts_service.contacts.router import router as contacts_router
from contacts_service.db import ErasedNumber, Inbox, Outbox
from contacts_service.fields.router import router as fields_router
from contacts_service.groups.router import router as groups_router
from contacts_service.imports import service as imports
from contacts_service.imports.router import router as imports_router
from contacts_service.privacy import erasure
from contacts_service.privacy import service as privacy
from contacts_service.privacy.router import erasures_router
from contacts_service.privacy.router import router as privacy_router
from contacts_service.retention import handlers as account_states
from contacts_service.retention.service import retention_job
from contacts_service.unsubscribe.router import public_router as unsubscribe_router
from contacts_service.unsubscribe.router import router as unsubscribe_token_router
from shared import erasure as shared_erasure
from shared.app import create_service_app
from shared.events import PrivacyEvent
from shared.periodic import PeriodicJob
from shared.runtime import ConsumerSpec, ServiceRuntime

# Multipart framing around the uploaded file itself.
_MULTIPART_OVERHEAD = 1024 * 1024


class ContactsRuntime(ServiceRuntime):
    """The kit's runtime plus the imports' worker, the retention job (old import files,
    closed accounts' data) and the campaign audiences' pager."""

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

        retention = retention_job(
            self.sessionmaker,
            settings.import_dir,
            settings.retention_batch_size,
            import_retention_days=settings.import_retention_days,
        )
        self.start_periodic(
            PeriodicJob("contact-imports", settings.import_poll_seconds, work_imports)
        )
        self.start_periodic(
            PeriodicJob("retention", settings.retention_interval_seconds, retention.run_once)
        )

        async def build_exports() -> int:
            return await privacy.process_pending(self.sessionmaker, settings)

        async def delete_old_exports() -> int:
            return await privacy.delete_expired(self.sessionmaker, settings.export_dir)

        self.start_periodic(
            PeriodicJob("privacy-exports", settings.export_poll_seconds, build_exports)
        )
        self.start_periodic(PeriodicJob("privacy-export-expiry", 3600, delete_old_exports))

        async def complete_erasures() -> int:
            return await shared_erasure.complete_pending(
                self.sessionmaker, self.engine, ErasedNumber, Outbox, "contacts", erasure.TABLES
            )

        self.start_periodic(
            PeriodicJob("privacy-erasures", settings.erasure_poll_seconds, complete_erasures)
        )

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
        # Opt-outs by STOP reply (dlr) become consent records of their number; account
        # closures start the retention clock; dispatch's campaigns ask for their audiences.
        # Erasures: contacts' own part, and every service's report of its part.
        consumer_specs=(
            ConsumerSpec(
                settings.consumer_group,
                (*consent.TOPICS, *account_states.TOPICS, *audience.TOPICS, PrivacyEvent.topic),
                {
                    **erasure.handlers(settings.export_dir, settings.import_dir),
                    **account_states.HANDLERS,
                    **audience.HANDLERS,
                },
                background=True,
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
        privacy_router,
        erasures_router,
    ]
    return create_service_app(
        "contacts",
        runtime,
        routers,
        path_max_bytes={imports_router.prefix: settings.import_max_bytes + _MULTIPART_OVERHEAD},
    )

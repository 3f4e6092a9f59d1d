from fastapi import FastAPI

from dispatch_service.batches.router import router as batches_router
from dispatch_service.bulk.ops_router import router as ops_bulk_router
from dispatch_service.campaigns.audience import AudienceWatch
from dispatch_service.campaigns.releaser import CampaignReleaser
from dispatch_service.campaigns.router import router as campaigns_router
from dispatch_service.config import DispatchSettings
from dispatch_service.content.router import router as content_router
from dispatch_service.db import ErasedNumber, Inbox, Outbox
from dispatch_service.destinations.ops_router import router as ops_destinations_router
from dispatch_service.expiry.sweeper import ReceiptSweeper
from dispatch_service.help_replies.router import router as help_router
from dispatch_service.messages.handlers import TOPICS, handlers
from dispatch_service.messages.router import router as messages_router
from dispatch_service.privacy.erasure import TABLES
from dispatch_service.privacy.router import internal_router as privacy_router
from dispatch_service.quotes.router import router as quotes_router
from dispatch_service.retention.service import retention_job
from dispatch_service.scheduling.releaser import ScheduledReleaser
from dispatch_service.scheduling.router import router as scheduling_router
from dispatch_service.senders.ops_router import router as ops_senders_router
from dispatch_service.senders.router import router as senders_router
from dispatch_service.smsc.router import router as ops_smsc_router
from dispatch_service.stats.router import router as stats_router
from dispatch_service.templates.router import router as templates_router
from dispatch_service.windows.router import router as windows_router
from shared import erasure
from shared.app import create_service_app
from shared.periodic import PeriodicJob
from shared.runtime import ConsumerSpec, ServiceRuntime


class DispatchRuntime(ServiceRuntime):
    """The kit's runtime plus the receipt deadline's sweeper, the scheduled messages'
    releaser, the campaigns' releaser and the retention job, which need the database."""

    async def start(self) -> None:
        await super().start()
        settings = self.settings
        assert isinstance(settings, DispatchSettings)
        sweeper = ReceiptSweeper(self.sessionmaker, settings)
        self.start_periodic(
            PeriodicJob("receipt-sweeper", settings.receipt_sweep_interval_seconds, sweeper.sweep)
        )
        releaser = ScheduledReleaser(self.sessionmaker, settings.schedule_batch_size)
        self.start_periodic(
            PeriodicJob("scheduled-releaser", settings.schedule_poll_seconds, releaser.release)
        )
        retention = retention_job(self.sessionmaker, settings.retention_batch_size)
        self.start_periodic(
            PeriodicJob("retention", settings.retention_interval_seconds, retention.run_once)
        )

        async def complete_erasures() -> int:
            return await erasure.complete_pending(
                self.sessionmaker, self.engine, ErasedNumber, Outbox, "dispatch", TABLES
            )

        self.start_periodic(
            PeriodicJob("privacy-erasures", settings.erasure_poll_seconds, complete_erasures)
        )
        campaigns = CampaignReleaser(self.sessionmaker, settings)
        self.start_periodic(
            PeriodicJob("campaign-releaser", settings.campaign_poll_seconds, campaigns.release)
        )
        # Looked at twice per timeout (at most every minute): overdue by at most half of it.
        watch = AudienceWatch(self.sessionmaker, settings)
        every = min(settings.campaign_audience_timeout_seconds / 2, 60.0)
        self.start_periodic(PeriodicJob("campaign-audience-watch", every, watch.check))


def create_app(settings: DispatchSettings | None = None) -> FastAPI:
    settings = settings or DispatchSettings()
    runtime = DispatchRuntime(
        settings=settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        consumer_specs=(ConsumerSpec(settings.consumer_group, TOPICS, handlers(settings)),),
    )
    return create_service_app(
        "dispatch",
        runtime,
        [
            batches_router,
            quotes_router,
            stats_router,
            messages_router,
            scheduling_router,
            campaigns_router,
            senders_router,
            ops_senders_router,
            ops_bulk_router,
            ops_smsc_router,
            ops_destinations_router,
            content_router,
            templates_router,
            help_router,
            windows_router,
            privacy_router,
        ],
    )

from dataclasses import dataclass, field

from fastapi import FastAPI

from dlr_service.config import DlrSettings
from dlr_service.consumer import consumer_spec
from dlr_service.db import ErasedNumber, Inbox, Outbox
from dlr_service.inbound.ops_router import router as ops_inbound_router
from dlr_service.inbound.router import router as inbound_router
from dlr_service.inbound.sweeper import IncompleteMoSweeper
from dlr_service.numbers.router import router as numbers_router
from dlr_service.privacy.erasure import TABLES
from dlr_service.privacy.router import internal_router as privacy_router
from dlr_service.receipts.sweeper import PendingReceiptSweeper
from dlr_service.retention.service import retention_job
from dlr_service.webhooks.router import router as webhooks_router
from dlr_service.webhooks.ssrf import UrlGuard
from shared import erasure
from shared.app import create_service_app
from shared.periodic import PeriodicJob
from shared.runtime import ServiceRuntime


@dataclass
class DlrRuntime(ServiceRuntime):
    """The kit's runtime plus the pending-receipt sweeper, the incomplete-MO sweeper and the
    retention job (webhook logs, closed accounts' inbound SMS), which need the database."""

    sweeper: PendingReceiptSweeper = field(init=False)
    mo_sweeper: IncompleteMoSweeper = field(init=False)

    async def start(self) -> None:
        await super().start()
        settings = self.settings
        assert isinstance(settings, DlrSettings)
        self.sweeper = PendingReceiptSweeper(
            self.sessionmaker,
            ttl=settings.pending_receipt_ttl,
            batch_size=settings.sweep_batch_size,
        )
        self.start_periodic(
            PeriodicJob(
                "pending-receipt-sweeper", settings.sweep_interval_seconds, self.sweeper.sweep
            )
        )
        self.mo_sweeper = IncompleteMoSweeper(self.sessionmaker, settings)
        self.start_periodic(
            PeriodicJob(
                "incomplete-mo-sweeper", settings.sweep_interval_seconds, self.mo_sweeper.sweep
            )
        )
        retention = retention_job(
            self.sessionmaker,
            settings.retention_batch_size,
            webhook_retention_days=settings.webhook_retention_days,
        )
        self.start_periodic(
            PeriodicJob("retention", settings.retention_interval_seconds, retention.run_once)
        )

        async def complete_erasures() -> int:
            return await erasure.complete_pending(
                self.sessionmaker, self.engine, ErasedNumber, Outbox, "dlr", TABLES
            )

        self.start_periodic(
            PeriodicJob("privacy-erasures", settings.erasure_poll_seconds, complete_erasures)
        )


def create_app(settings: DlrSettings | None = None, guard: UrlGuard | None = None) -> FastAPI:
    """`guard` decides which webhook URLs may be registered; tests pass one with their own
    resolver, to see names that resolve to private addresses refused."""
    settings = settings or DlrSettings()
    runtime = DlrRuntime(
        settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        consumer_specs=(consumer_spec(settings),),
    )
    app = create_service_app(
        "dlr",
        runtime,
        routers=[
            webhooks_router,
            inbound_router,
            ops_inbound_router,
            numbers_router,
            privacy_router,
        ],
    )
    app.state.webhook_guard = guard or UrlGuard(settings.webhooks_allow_loopback)
    return app

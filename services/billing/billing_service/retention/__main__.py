"""`python -m billing_service.retention --once`: one retention round (BILLING_* settings).
The service runs it itself every BILLING_RETENTION_INTERVAL_SECONDS."""

from billing_service.config import BillingSettings
from billing_service.retention.service import retention_job
from shared.retention import cli

if __name__ == "__main__":
    settings = BillingSettings()
    raise SystemExit(
        cli(
            "python -m billing_service.retention",
            settings.database_url,
            settings.retention_interval_seconds,
            lambda sessionmaker: retention_job(
                sessionmaker,
                settings.retention_batch_size,
                accepted_messages_days=settings.accepted_messages_days,
                refund_details_days=settings.refund_details_days,
            ),
        )
    )

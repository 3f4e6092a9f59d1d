"""`python -m dlr_service.retention --once`: one retention round (DLR_* settings)."""

from dlr_service.config import DlrSettings
from dlr_service.retention.service import retention_job
from shared.retention import cli

if __name__ == "__main__":
    settings = DlrSettings()
    raise SystemExit(
        cli(
            "python -m dlr_service.retention",
            settings.database_url,
            settings.retention_interval_seconds,
            lambda sessionmaker: retention_job(
                sessionmaker,
                settings.retention_batch_size,
                webhook_retention_days=settings.webhook_retention_days,
            ),
        )
    )

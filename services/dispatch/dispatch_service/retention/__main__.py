"""`python -m dispatch_service.retention --once`: one retention round (DISPATCH_* settings)."""

from dispatch_service.config import DispatchSettings
from dispatch_service.retention.service import retention_job
from shared.retention import cli

if __name__ == "__main__":
    settings = DispatchSettings()
    raise SystemExit(
        cli(
            "python -m dispatch_service.retention",
            settings.database_url,
            settings.retention_interval_seconds,
            lambda sessionmaker: retention_job(sessionmaker, settings.retention_batch_size),
        )
    )

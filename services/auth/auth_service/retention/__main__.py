"""`python -m auth_service.retention --once`: one retention round (AUTH_* settings)."""

from auth_service.config import AuthSettings
from auth_service.retention.service import retention_job
from shared.retention import cli

if __name__ == "__main__":
    settings = AuthSettings()
    raise SystemExit(
        cli(
            "python -m auth_service.retention",
            settings.database_url,
            settings.retention_interval_seconds,
            lambda sessionmaker: retention_job(
                sessionmaker,
                settings.retention_batch_size,
                audit_retention_days=settings.audit_retention_days,
                activity_retention_days=settings.activity_retention_days,
            ),
        )
    )

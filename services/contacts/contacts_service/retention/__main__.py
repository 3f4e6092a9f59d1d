"""`python -m contacts_service.retention --once`: one retention round (CONTACTS_* settings)."""

from contacts_service.config import ContactsSettings
from contacts_service.retention.service import retention_job
from shared.retention import cli

if __name__ == "__main__":
    settings = ContactsSettings()
    raise SystemExit(
        cli(
            "python -m contacts_service.retention",
            settings.database_url,
            settings.retention_interval_seconds,
            lambda sessionmaker: retention_job(
                sessionmaker,
                settings.import_dir,
                settings.retention_batch_size,
                import_retention_days=settings.import_retention_days,
            ),
        )
    )

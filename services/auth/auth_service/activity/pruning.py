"""Deletes activity records past the retention (AUTH_ACTIVITY_RETENTION_DAYS), a batch per
transaction, with the audit log's loop."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.activity.service import purge_batch
from auth_service.audit.pruning import BatchPruner
from auth_service.config import AuthSettings

BATCH = 5000


class ActivityPruner(BatchPruner):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: AuthSettings,
        batch: int = BATCH,
    ) -> None:
        super().__init__(
            "activity records",
            sessionmaker,
            purge_batch,
            settings.activity_retention_days,
            batch,
        )

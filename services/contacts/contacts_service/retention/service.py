"""contacts' retention job: the policy's steps for contacts. Import files expire by their
own clock; a closed account's data goes table by table, contacts first (their tags, values
and memberships with them), each a batch per transaction."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.imports.service import expire_files, remove_files
from contacts_service.retention import repository
from shared.events import utcnow
from shared.retention import BatchStep, DataKind, RetentionJob, Step


def _import_files(directory: str) -> BatchStep:
    async def run(session: AsyncSession, cutoff: datetime, limit: int) -> int:
        return await expire_files(session, directory, cutoff, limit, utcnow())

    return run


def _imports_of_closed(directory: str) -> BatchStep:
    async def run(session: AsyncSession, cutoff: datetime, limit: int) -> int:
        ids = await repository.imports_of_closed(session, cutoff, limit)
        # Files first: a crash between leaves rows whose files are gone, which the next
        # round deletes; never files without a row to find them by.
        for import_id in ids:
            remove_files(directory, import_id)
        await repository.delete_imports(session, ids)
        return len(ids)

    return run


def retention_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    import_dir: str,
    batch_size: int,
    clock: Callable[[], datetime] = utcnow,
    import_retention_days: int | None = None,
) -> RetentionJob:
    steps = (
        Step(DataKind.IMPORT_FILES, _import_files(import_dir)),
        Step(DataKind.CONTACTS, repository.delete_contacts),
        Step(DataKind.CONTACTS, repository.delete_consent_records),
        Step(DataKind.CONTACTS, repository.delete_unsubscribe_tokens),
        Step(DataKind.CONTACTS, repository.delete_groups),
        Step(DataKind.CONTACTS, repository.delete_custom_fields),
        Step(DataKind.CONTACTS, _imports_of_closed(import_dir)),
    )
    periods = {}
    if import_retention_days is not None:
        periods[DataKind.IMPORT_FILES] = timedelta(days=import_retention_days)
    return RetentionJob(sessionmaker, steps, batch_size, clock, periods)

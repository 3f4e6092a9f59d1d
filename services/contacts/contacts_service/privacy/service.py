"""Privacy exports (R17): requested here, built in the background by `process_pending`,
downloaded until they expire. The archive is written under a temporary name and renamed
when complete, so a download never sees half an archive (an import running meanwhile only
decides which rows were there when each table was read)."""

import asyncio
import logging
import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.config import ContactsSettings
from contacts_service.contacts.phones import to_e164
from contacts_service.contacts.repository import ContactRepository
from contacts_service.privacy import parts, repository
from contacts_service.privacy.archive import write_table
from contacts_service.privacy.models import PrivacyExport
from contacts_service.privacy.schemas import ExportCreate
from shared.errors import NotFound, ProblemError
from shared.events import utcnow
from shared.roles import Forbidden, allowed
from shared.security import Principal

log = logging.getLogger(__name__)


class ExportNotReady(ProblemError):
    def __init__(self, state: str) -> None:
        super().__init__(
            409, "export_not_ready", "Export not ready", f"The export is {state}", state=state
        )


class ExportExpired(ProblemError):
    def __init__(self) -> None:
        super().__init__(410, "export_expired", "Export expired", "The archive was deleted")


def archive_path(directory: str, export_id: UUID) -> Path:
    return Path(directory) / f"{export_id}.zip"


async def create(
    session: AsyncSession, principal: Principal, request: ExportCreate
) -> PrivacyExport:
    account_id = principal.account_id
    export = PrivacyExport(account_id=account_id, requested_by=principal.subject)
    if request.all:
        if not allowed(principal, "account:export"):
            raise Forbidden(principal, "account:export")
        export.scope = "all"
    elif request.contact_id is not None:
        contact = await ContactRepository(session, account_id).get(request.contact_id)
        if contact is None:
            raise NotFound("Contact")
        export.scope, export.contact_id, export.phone = "contact", contact.id, contact.phone
    else:
        assert request.phone is not None
        # A number with no contact is still exported: messages and replies name it.
        export.scope, export.phone = "phone", to_e164(request.phone)
    session.add(export)
    await session.flush()
    return export


async def get(session: AsyncSession, account_id: UUID, export_id: UUID) -> PrivacyExport:
    export = await repository.get(session, account_id, export_id)
    if export is None:
        raise NotFound("Export")
    return export


async def download_path(
    session: AsyncSession, account_id: UUID, export_id: UUID, directory: str
) -> Path:
    export = await get(session, account_id, export_id)
    if export.state == "expired":
        raise ExportExpired()
    if export.state != "ready":
        raise ExportNotReady(export.state)
    return archive_path(directory, export.id)


async def process_pending(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ContactsSettings
) -> int:
    """Builds every pending export, and every running one whose worker died (its lease
    passed); returns how many it finished."""
    lease = timedelta(seconds=settings.export_lease_seconds)
    async with sessionmaker() as session:
        ids = await repository.claimable_ids(session, utcnow())
    done = 0
    for export_id in ids:
        owner = uuid4()
        async with sessionmaker() as session, session.begin():
            export = await repository.claim(session, export_id, owner, utcnow(), lease)
            if export is None:
                continue  # another replica has it
            gave_up = export.attempts > settings.export_max_attempts
            if gave_up:
                # Something in it kills its worker each time: failed, not retried forever.
                # This claim builds nothing: `attempts` stays the number of builds started.
                export.attempts -= 1
                export.state, export.finished_at = "failed", utcnow()
                export.error = (
                    f"Building the export was interrupted {export.attempts} times; "
                    "ask for a new one"
                )
        # A rebuild replaces any archive an earlier claim left.
        remove_files(settings.export_dir, export_id, keep=owner)
        if not gave_up:
            await _build(sessionmaker, settings, export_id, owner, lease)
        done += 1
    return done


def remove_files(directory: str, export_id: UUID, keep: UUID | None = None) -> None:
    """The export's archive and what any claim of it left (a dead worker's spool and partial
    archive: personal data too), but for claim `keep`'s own."""
    for path in Path(directory).glob(f"{export_id}.*"):
        if keep is not None and keep.hex in path.name:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


async def _keep_lease(
    sessionmaker: async_sessionmaker[AsyncSession], export_id: UUID, owner: UUID, lease: timedelta
) -> None:
    while True:
        await asyncio.sleep(lease.total_seconds() / 3)
        async with sessionmaker() as session, session.begin():
            if not await repository.extend_lease(session, export_id, owner, utcnow() + lease):
                return  # withdrawn, or taken over: finishing will find it is not ours


async def _build(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: ContactsSettings,
    export_id: UUID,
    owner: UUID,
    lease: timedelta,
) -> None:
    async with sessionmaker() as session:
        export = await session.get(PrivacyExport, export_id)
        assert export is not None
        account_id, phone = export.account_id, export.phone
    # Named by the claim: a worker presumed dead but still writing never shares a file with
    # the one that took over.
    work = Path(settings.export_dir) / f"{export_id}.{owner.hex}.parts"
    final = archive_path(settings.export_dir, export_id)
    partial = final.with_name(f"{export_id}.{owner.hex}.zip.partial")
    work.mkdir(parents=True, exist_ok=True)
    spool = parts.Spool(work)
    heartbeat = asyncio.create_task(_keep_lease(sessionmaker, export_id, owner, lease))
    try:
        await parts.own_part(sessionmaker, account_id, phone, spool)
        if settings.internal_token is None:
            raise parts.PartUnavailable("INTERNAL_TOKEN is not set: no service would answer")
        token = settings.internal_token.get_secret_value()
        async with httpx.AsyncClient(timeout=settings.export_part_timeout_seconds) as client:
            fetch = parts.fetcher(client, token, spool)
            await parts.remote_parts(
                fetch, settings.dispatch_url, settings.dlr_url, account_id, phone, spool
            )
        # Compressing a large account takes a while: off the event loop that serves requests.
        await asyncio.to_thread(_write_archive, partial, spool.close())
    except (parts.PartUnavailable, OSError, ValueError, KeyError) as exc:
        # ValueError, KeyError: a part's lines were not what this code reads.
        log.warning("privacy export %s failed: %r", export_id, exc)
        await _finish(sessionmaker, export_id, owner, "failed", 0, str(exc)[:500], None)
        partial.unlink(missing_ok=True)
        return
    finally:
        heartbeat.cancel()
        spool.close()
        shutil.rmtree(work, ignore_errors=True)
    expires = utcnow() + timedelta(days=settings.export_retention_days)
    published = await _finish(
        sessionmaker, export_id, owner, "ready", spool.rows, None, expires, (partial, final)
    )
    if not published:
        # Withdrawn by an erasure while it was built (its rows may predate the erasure), or
        # taken over by another worker after this one's lease passed: not published.
        partial.unlink(missing_ok=True)


def _write_archive(path: Path, tables: dict[str, Path]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table, spooled in sorted(tables.items()):
            write_table(archive, table, spooled)


async def _finish(
    sessionmaker: async_sessionmaker[AsyncSession],
    export_id: UUID,
    owner: UUID,
    state: str,
    rows: int,
    error: str | None,
    expires: datetime | None,
    archive: tuple[Path, Path] | None = None,
) -> bool:
    """Records the outcome if the export is still running under this claim; a ready archive
    is renamed into place under the row's lock, so of two workers that built it only the
    one holding the claim publishes an archive. Returns whether it did."""
    async with sessionmaker() as session, session.begin():
        export = await repository.lock_own(session, export_id, owner)
        if export is None:
            return False
        if archive is not None:
            partial, final = archive
            partial.replace(final)
        export.state, export.rows, export.error = state, rows, error
        export.finished_at = utcnow()
        export.expires_at = expires
        export.lease_until = None
        return True


async def delete_expired(sessionmaker: async_sessionmaker[AsyncSession], directory: str) -> int:
    """Archives past their download window are deleted (they are personal data too)."""
    async with sessionmaker() as session, session.begin():
        exports = await repository.expired(session, utcnow())
        for export in exports:
            archive_path(directory, export.id).unlink(missing_ok=True)
            export.state = "expired"
    return len(exports)

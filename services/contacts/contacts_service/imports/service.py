"""Contact imports (issue 11 item 3): an uploaded CSV is streamed to disk, then read back in
chunks of rows, each chunk one transaction that upserts by normalised phone within the account.
Skipped rows are written to an error report by row number and reason, not their data."""

import csv
import json
import logging
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import openpyxl
from fastapi import UploadFile
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.contacts.models import Contact, ContactTag
from contacts_service.contacts.phones import country_of, to_e164
from contacts_service.contacts.repository import ContactRepository
from contacts_service.contacts.service import _set_values, check_birth_date
from contacts_service.db import ErasedNumber
from contacts_service.fields.service import checked_values
from contacts_service.groups.models import ContactGroup, GroupMember
from contacts_service.imports.models import ContactImport
from shared.erasure import erased_before
from shared.errors import NotFound, ProblemError
from shared.events import utcnow

log = logging.getLogger(__name__)

FIELDS = {"phone", "name", "email", "country", "address", "birth_date", "tags"}
CUSTOM_PREFIX = "custom."


class InvalidMapping(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_mapping", "Invalid mapping", detail)


class FileTooLarge(ProblemError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, "file_too_large", "File too large", f"Uploads are limited to {limit} bytes"
        )


class UnsupportedFile(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            415, "unsupported_file", "Unsupported file", "Upload a .csv (UTF-8) or .xlsx file"
        )


SUFFIXES = (".csv", ".xlsx")


def suffix_of(file_name: str) -> str:
    return ".xlsx" if file_name.lower().endswith(".xlsx") else ".csv"


def parse_mapping(raw: str) -> dict[str, str]:
    try:
        mapping = json.loads(raw)
    except ValueError as exc:
        raise InvalidMapping("The mapping is not JSON") from exc
    if not isinstance(mapping, dict) or not mapping:
        raise InvalidMapping("The mapping is an object of column header to contact field")
    targets: list[str] = []
    for column, target in mapping.items():
        if not isinstance(target, str) or not (
            target in FIELDS or (target.startswith(CUSTOM_PREFIX) and len(target) > 7)
        ):
            raise InvalidMapping(
                f"Column {column!r}: map to one of {sorted(FIELDS)} or custom.<key>"
            )
        targets.append(target)
    if len(set(targets)) != len(targets):
        raise InvalidMapping("Two columns map to the same field")
    if "phone" not in targets:
        raise InvalidMapping("One column must map to phone")
    return {str(column): target for column, target in mapping.items()}


def upload_path(directory: str, import_id: UUID, suffix: str = ".csv") -> Path:
    return Path(directory) / f"{import_id}{suffix}"


def errors_path(directory: str, import_id: UUID) -> Path:
    return Path(directory) / f"{import_id}.errors.csv"


async def create_import(
    session: AsyncSession,
    account_id: UUID,
    upload: UploadFile,
    mapping_raw: str,
    group_id: UUID | None,
    directory: str,
    max_bytes: int,
) -> ContactImport:
    mapping = parse_mapping(mapping_raw)
    name = upload.filename or "upload.csv"
    if not name.lower().endswith(SUFFIXES):
        raise UnsupportedFile()
    if group_id is not None:
        group = await session.scalar(
            select(ContactGroup).where(
                ContactGroup.account_id == account_id, ContactGroup.id == group_id
            )
        )
        if group is None:
            raise NotFound("Group")
    import_id = uuid4()
    Path(directory).mkdir(parents=True, exist_ok=True)
    target = upload_path(directory, import_id, suffix_of(name))
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := await upload.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(max_bytes)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    row = ContactImport(
        id=import_id,
        account_id=account_id,
        state="pending",
        file_name=name[:255],
        mapping=mapping,
        group_id=group_id,
        rows_read=0,
        created=0,
        updated=0,
        skipped=0,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def get_import(session: AsyncSession, account_id: UUID, import_id: UUID) -> ContactImport:
    row = await session.scalar(
        select(ContactImport).where(
            ContactImport.account_id == account_id, ContactImport.id == import_id
        )
    )
    if row is None:
        raise NotFound("Import")
    return row


def _rows(path: Path, skip: int) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number counting the header as 1, row) after the first `skip` data rows."""
    if path.suffix == ".xlsx":
        yield from _xlsx_rows(path, skip)
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):
            if number - 2 < skip:
                continue
            yield number, row


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, skip: int) -> Iterator[tuple[int, dict[str, str]]]:
    """The first sheet, in openpyxl's read-only mode: rows are streamed from the file."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_cell(value).strip() for value in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if number - 2 < skip:
                continue
            yield number, dict(zip(header, (_cell(value) for value in values), strict=False))
    finally:
        workbook.close()


class RowSkipped(Exception):
    pass


def _fields(row: dict[str, str], mapping: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, target in mapping.items():
        raw = (row.get(column) or "").strip()
        if raw:
            values[target] = raw
    return values


async def _upsert(
    session: AsyncSession,
    account_id: UUID,
    values: dict[str, Any],
    group_id: UUID | None,
    uploaded_at: datetime,
) -> bool:
    """True: created; False: updated. RowSkipped with the reason otherwise."""
    if "phone" not in values:
        raise RowSkipped("no phone")
    try:
        phone = to_e164(values["phone"])
        born = date.fromisoformat(values["birth_date"]) if "birth_date" in values else None
        check_birth_date(born)
        custom = {
            key.removeprefix(CUSTOM_PREFIX): value
            for key, value in values.items()
            if key.startswith(CUSTOM_PREFIX)
        }
        stored = await checked_values(session, account_id, custom)
    except ProblemError as exc:
        raise RowSkipped(exc.detail or exc.code) from exc
    except ValueError as exc:
        raise RowSkipped("birth_date is not a date (YYYY-MM-DD)") from exc
    # An upload from before its number was erased would bring the person back (R17): the
    # erasure blanked the row in the file, but a worker may have been reading it already.
    if await erased_before(session, ErasedNumber, account_id, phone, uploaded_at):
        raise RowSkipped("number erased")
    email = values.get("email")
    if email is not None and ("@" not in email or len(email) > 320):
        raise RowSkipped("email is not an address")
    country = values.get("country")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise RowSkipped("country is not a two-letter code")
    tags = [tag.strip() for tag in values.get("tags", "").split(",") if tag.strip()]
    if any(len(tag) > 32 for tag in tags):
        raise RowSkipped("a tag is longer than 32 characters")
    repository = ContactRepository(session, account_id)
    existing = await repository.by_phone(phone)
    scalars = (
        {key: values[key] for key in ("name", "email", "address") if key in values}
        | ({"country": country.upper()} if country else {})
        | ({"birth_date": born} if born else {})
    )
    if existing is None:
        contact = Contact(
            id=uuid4(),
            account_id=account_id,
            phone=phone,
            country=country_of(phone),
            created_at=utcnow(),
            tag_rows=[],
            value_rows=[],
        )
        for key, value in scalars.items():
            setattr(contact, key, value)
        contact.tag_rows = [
            ContactTag(contact_id=contact.id, account_id=account_id, tag=tag)
            for tag in sorted(set(tags))
        ]
        session.add(contact)
        created = True
    else:
        contact = await repository.get(existing.id, for_update=True)  # type: ignore[assignment]
        for key, value in scalars.items():
            setattr(contact, key, value)
        have = {row.tag for row in contact.tag_rows}
        contact.tag_rows = contact.tag_rows + [
            ContactTag(contact_id=contact.id, account_id=account_id, tag=tag)
            for tag in sorted(set(tags) - have)
        ]
        contact.updated_at = utcnow()
        created = False
    _set_values(contact, stored)
    await session.flush()
    if group_id is not None and await session.get(GroupMember, (group_id, contact.id)) is None:
        session.add(GroupMember(group_id=group_id, contact_id=contact.id))
        await session.flush()
    return created


async def process_pending(
    sessionmaker: async_sessionmaker[AsyncSession],
    directory: str,
    chunk_rows: int = 1000,
    max_rows: int = 1_000_000,
) -> int:
    """Works every pending or running import to its end; returns how many it finished."""
    async with sessionmaker() as session:
        ids = list(
            await session.scalars(
                select(ContactImport.id)
                .where(ContactImport.state.in_(("pending", "running")))
                .order_by(ContactImport.created_at)
            )
        )
    for import_id in ids:
        await _process(sessionmaker, directory, import_id, chunk_rows, max_rows)
    return len(ids)


async def _process(
    sessionmaker: async_sessionmaker[AsyncSession],
    directory: str,
    import_id: UUID,
    chunk_rows: int,
    max_rows: int,
) -> None:
    async with sessionmaker() as session:
        job = await session.get(ContactImport, import_id)
        assert job is not None
        start = job.rows_read
        account_id, mapping, group_id = job.account_id, job.mapping, job.group_id
        uploaded_at = job.created_at
        suffix = suffix_of(job.file_name)
        job.state = "running"
        await session.commit()
    path = upload_path(directory, import_id, suffix)
    rows = _rows(path, start)
    done = False
    try:
        while not done:
            chunk: list[tuple[int, dict[str, str]]] = []
            for item in rows:
                chunk.append(item)
                if len(chunk) >= chunk_rows:
                    break
            else:
                done = True
            errors: list[tuple[int, str]] = []
            async with sessionmaker() as session, session.begin():
                job = await session.get(ContactImport, import_id, with_for_update=True)
                assert job is not None
                for number, row in chunk:
                    job.rows_read += 1
                    if job.rows_read > max_rows:
                        job.skipped += 1
                        errors.append((number, f"beyond the limit of {max_rows} rows"))
                        continue
                    try:
                        async with session.begin_nested():
                            created = await _upsert(
                                session, account_id, _fields(row, mapping), group_id, uploaded_at
                            )
                    except RowSkipped as exc:
                        job.skipped += 1
                        errors.append((number, str(exc)))
                        continue
                    if created:
                        job.created += 1
                    else:
                        job.updated += 1
                if done:
                    job.state = "done"
                    job.finished_at = utcnow()
            if errors:
                _append_errors(errors_path(directory, import_id), errors)
    except (
        UnicodeDecodeError,
        csv.Error,
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        # An erasure deleted an upload it could not read (imports.erasure).
        FileNotFoundError,
    ) as exc:
        async with sessionmaker() as session, session.begin():
            job = await session.get(ContactImport, import_id)
            assert job is not None
            job.state = "failed"
            job.error = f"The file could not be read as {suffix[1:]}: {type(exc).__name__}"
            job.finished_at = utcnow()


def _append_errors(path: Path, errors: list[tuple[int, str]]) -> None:
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["row", "reason"])
        writer.writerows(errors)


async def expire_files(
    session: AsyncSession, directory: str, cutoff: datetime, limit: int | None, at: datetime
) -> int:
    """Removes the files of up to `limit` imports finished before `cutoff`; returns how many."""
    jobs = list(
        await session.scalars(
            select(ContactImport)
            .where(ContactImport.finished_at < cutoff, ContactImport.files_deleted_at.is_(None))
            .limit(limit)
        )
    )
    for job in jobs:
        remove_files(directory, job.id)
        job.files_deleted_at = at
    return len(jobs)


def remove_files(directory: str, import_id: UUID) -> None:
    paths = [upload_path(directory, import_id, suffix) for suffix in SUFFIXES]
    for path in [*paths, errors_path(directory, import_id)]:
        path.unlink(missing_ok=True)

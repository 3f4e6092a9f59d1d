"""An erased number out of the account's import files (R17): every upload still kept (R18
deletes them 60 days after the import) has the rows naming the number blanked, and every
error report has the number replaced.

A row is blanked, not dropped: an import still running counts where it is by rows read, and
a restarted worker must find the same rows after the rewrite. A worker reading the old file
meanwhile (it keeps its open handle) does not bring the number back either: rows of an upload
older than an erasure of their number are skipped (imports.service)."""

import csv
import os
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from uuid import UUID

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.contacts.phones import to_e164
from contacts_service.imports.models import ContactImport
from contacts_service.imports.service import SUFFIXES, errors_path, upload_path
from shared.erasure import REDACTED_NUMBER
from shared.errors import ProblemError


def names(cell: object, phone: str) -> bool:
    """Whether a cell holds the number: as written (with or without its +, since spreadsheets
    drop it) or in any form that normalises to it."""
    if cell is None:
        return False
    text = str(cell)
    if phone in text or phone[1:] in text.replace(" ", "").replace("-", ""):
        return True
    try:
        return to_e164(text) == phone
    except ProblemError:
        return False


async def erase_from_imports(
    session: AsyncSession, directory: str, account_id: UUID, phone: str
) -> int:
    """Rewrites the account's kept files that name the number; returns how many it changed."""
    import_ids = await session.scalars(
        select(ContactImport.id).where(
            ContactImport.account_id == account_id, ContactImport.files_deleted_at.is_(None)
        )
    )
    changed = 0
    for import_id in import_ids:
        for suffix in SUFFIXES:
            path = upload_path(directory, import_id, suffix)
            if path.exists():
                changed += _erase_from_upload(path, phone)
        report = errors_path(directory, import_id)
        if report.exists():
            changed += _rewrite_report(report, phone)
    return changed


def _blanked(
    rows: Iterable[Sequence[object]], phone: str
) -> Iterator[tuple[bool, Sequence[object]]]:
    for row in rows:
        if any(names(cell, phone) for cell in row):
            yield True, [None if cell is None else "" for cell in row]
        else:
            yield False, row


def _erase_from_upload(path: Path, phone: str) -> int:
    try:
        return _rewrite_upload(path, phone)
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, InvalidFileException, KeyError):
        # Not readable as what it claims to be (its import fails on it too): it may hold the
        # number all the same, and an erasure must not wait on it, so it goes whole.
        path.with_name(path.name + ".erasing").unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        return 1


def _rewrite_upload(path: Path, phone: str) -> int:
    """Streams the file into a new one and swaps it in: never the whole file in memory."""
    temporary = path.with_name(path.name + ".erasing")
    changed = False
    if path.suffix == ".xlsx":
        source = openpyxl.load_workbook(path, read_only=True, data_only=True)
        target = openpyxl.Workbook(write_only=True)
        sheet = target.create_sheet()
        try:
            rows = (list(row) for row in source.worksheets[0].iter_rows(values_only=True))
            for blank, row in _blanked(rows, phone):
                changed |= blank
                sheet.append(row)
            target.save(temporary)
        finally:
            source.close()
    else:
        with (
            path.open(newline="", encoding="utf-8-sig") as handle,
            temporary.open("w", newline="", encoding="utf-8") as out,
        ):
            writer = csv.writer(out)
            for blank, row in _blanked(csv.reader(handle), phone):
                changed |= blank
                writer.writerow(row)
    if not changed:
        temporary.unlink()
        return 0
    os.replace(temporary, path)
    return 1


def _rewrite_report(path: Path, phone: str) -> int:
    # Reports name rows by number and reason; a reason quoting a cell is rewritten.
    temporary = path.with_name(path.name + ".erasing")
    changed = False
    with path.open(encoding="utf-8") as handle, temporary.open("w", encoding="utf-8") as out:
        for line in handle:
            scrubbed = line.replace(phone, REDACTED_NUMBER).replace(phone[1:], REDACTED_NUMBER)
            changed |= scrubbed != line
            out.write(scrubbed)
    if not changed:
        temporary.unlink()
        return 0
    os.replace(temporary, path)
    return 1

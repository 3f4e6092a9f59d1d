"""The zip: for each table, `<table>.json` (a JSON array) and `<table>.csv`, written from
JSON lines spooled to disk one table at a time, so neither the parts nor the archive are ever
held in memory. CSV cells that a spreadsheet would run as a formula are neutralised."""

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# OWASP's list: a cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (`=HYPERLINK(...)`, `@SUM(...)`, a DDE `+cmd|...`), also after a tab or CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text. A leading `'` is what spreadsheets themselves
    use to mean "text"; numbers (a signed amount, a +E.164 phone) get it too, which keeps
    `+447700900123` from turning into 4.477E+11 on the way."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(spool: Path) -> Iterator[dict[str, Any]]:
    with spool.open(encoding="utf-8") as lines:
        for line in lines:
            row: dict[str, Any] = json.loads(line)
            yield row


def _columns(spool: Path) -> list[str]:
    columns: dict[str, None] = {}
    for row in _rows(spool):
        columns.update(dict.fromkeys(row))
    return list(columns)


def write_table(archive: zipfile.ZipFile, table: str, spool: Path) -> None:
    """Adds `<table>.json` and `<table>.csv` from the table's spooled rows (one per line)."""
    with archive.open(f"{table}.json", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        out.write("[")
        for index, row in enumerate(_rows(spool)):
            out.write(",\n" if index else "\n")
            out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n]\n")
        out.flush()
        out.detach()
    columns = _columns(spool)
    with archive.open(f"{table}.csv", "w") as raw:
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in _rows(spool):
            writer.writerow([safe_cell(row.get(column)) for column in columns])
        out.flush()
        out.detach()

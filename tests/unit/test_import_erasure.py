"""An erased number out of kept import files (R17): the rows naming it are blanked in CSV and
XLSX uploads, in whatever form it was written, and every other row stays where it was (an
import still running counts rows); error reports lose the number."""

from pathlib import Path

import openpyxl

from contacts_service.imports.erasure import (
    _erase_from_upload,
    _rewrite_report,
    _rewrite_upload,
    names,
)

NUMBER = "+447700900321"


def test_a_cell_names_the_number_as_written_without_its_plus_or_spaced() -> None:
    assert names("+447700900321", NUMBER)
    assert names("447700900321", NUMBER)  # a spreadsheet dropped the +
    assert names("+44 7700 900321", NUMBER)
    assert names("call +447700900321 after 6", NUMBER)
    assert not names("+447700900322", NUMBER)
    assert not names(None, NUMBER)
    assert not names(42, NUMBER)


def test_csv_rows_naming_the_number_are_blanked_in_place(tmp_path: Path) -> None:
    upload = tmp_path / "import.csv"
    upload.write_text(
        "\ufeffMobile,Name,Note\n"
        '+44 7700 900321,Ada,"two\nlines"\n'
        "+447700900654,Bo,x\n"
        "447700900321,Ada again,y\n",
        encoding="utf-8",
    )

    assert _rewrite_upload(upload, NUMBER) == 1

    rewritten = upload.read_text(encoding="utf-8")
    assert "900321" not in rewritten
    assert "Ada" not in rewritten
    rows = rewritten.splitlines()
    assert rows == ["Mobile,Name,Note", ",,", "+447700900654,Bo,x", ",,"]
    # Nothing to do a second time: the file is left alone.
    assert _rewrite_upload(upload, NUMBER) == 0


def test_xlsx_rows_naming_the_number_are_blanked_in_place(tmp_path: Path) -> None:
    upload = tmp_path / "import.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["Mobile", "Name"], [447700900321, "Ada"], ["+447700900654", "Bo"]):
        sheet.append(row)
    workbook.save(upload)

    assert _rewrite_upload(upload, NUMBER) == 1

    read = openpyxl.load_workbook(upload, read_only=True)
    rows = [list(row) for row in read.worksheets[0].iter_rows(values_only=True)]
    read.close()
    assert rows[0] == ["Mobile", "Name"]
    assert rows[1] in ([None, None], ["", ""])
    assert rows[2] == ["+447700900654", "Bo"]
    assert not list(tmp_path.glob("*.erasing"))


def test_an_error_report_loses_the_number(tmp_path: Path) -> None:
    report = tmp_path / "import.errors.csv"
    report.write_text("row,reason\n2,+447700900321 is a duplicate\n3,no phone\n")

    assert _rewrite_report(report, NUMBER) == 1

    assert report.read_text() == "row,reason\n2,redacted is a duplicate\n3,no phone\n"


def test_an_upload_that_cannot_be_read_is_deleted_whole(tmp_path: Path) -> None:
    upload = tmp_path / "import.csv"
    upload.write_bytes(b"Mobile\n\xff\xfe+447700900321\n")

    assert _erase_from_upload(upload, NUMBER) == 1

    assert list(tmp_path.iterdir()) == []

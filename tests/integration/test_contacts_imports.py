"""Contact imports against PostgreSQL: a generated CSV uploaded, processed in the background
(created, updated by normalised phone, invalid rows skipped with reasons, added to a group),
its error report, per account, bad mappings and oversize files refused, old files deleted."""

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.integration.contacts_support import add_contact, bearer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROWS = 2500


class Service:
    def __init__(self, http: httpx.AsyncClient, database_url: str, directory: Path) -> None:
        self.http = http
        self.database_url = database_url
        self.directory = directory


@pytest.fixture(scope="module")
async def service(
    databases: Databases, broker: str, auth_service: AuthClient, tmp_path_factory: Any
) -> AsyncIterator[Service]:
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app

    database_url = await databases.create("contacts")
    directory = tmp_path_factory.mktemp("imports")
    settings = ContactsSettings(
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"contacts-{uuid4().hex[:8]}",
        import_dir=str(directory),
        import_poll_seconds=0.1,
        import_chunk_rows=400,
        import_max_bytes=512 * 1024,
    )
    async with running_app(create_app(settings)) as client:
        yield Service(client, database_url, directory)


def generated_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Mobile", "Full name", "Labels", "Ignored"])
    for i in range(ROWS):
        if i % 500 == 7:
            writer.writerow(["not a number", f"Bad {i}", "", "x"])
        else:
            # Spaces as people type them: the same number normalised is one contact.
            writer.writerow([f"+44 7700 9{i:05d}", f"Person {i}", "vip,imported", "x"])
    # A repeat of the first number: updates the contact it created.
    writer.writerow(["+447700900000", "Person Zero Again", "", "x"])
    return out.getvalue().encode()


MAPPING = {"Mobile": "phone", "Full name": "name", "Labels": "tags"}


async def upload(
    service: Service, token: str, content: bytes, mapping: Any = MAPPING, **form: str
) -> httpx.Response:
    return await service.http.post(
        "/v1/contacts/imports",
        files={"file": ("contacts.csv", content, "text/csv")},
        data={"mapping": json.dumps(mapping), **form},
        headers=bearer(token),
    )


async def finished(service: Service, token: str, import_id: str) -> dict[str, Any]:
    while True:
        got = await service.http.get(f"/v1/contacts/imports/{import_id}", headers=bearer(token))
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        if body["state"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.1)


async def test_import_creates_updates_skips_and_groups(
    service: Service, auth_service: AuthClient
) -> None:
    token = (await auth_service.new_account())[1]
    stranger = (await auth_service.new_account("Stranger"))[1]
    existing = await add_contact(service.http, token, "+447700900001", name="Old")
    assert existing.status_code == 201
    group = await service.http.post(
        "/v1/contacts/groups", json={"name": "Imported"}, headers=bearer(token)
    )

    accepted = await upload(service, token, generated_csv(), group_id=group.json()["id"])

    assert accepted.status_code == 202, accepted.text
    import_id = accepted.json()["id"]
    assert accepted.json()["state"] == "pending"
    done = await finished(service, token, import_id)
    bad = len([i for i in range(ROWS) if i % 500 == 7])
    assert done["state"] == "done"
    assert done["rows_read"] == ROWS + 1
    assert done["skipped"] == bad
    # The one that existed and the repeated first number were updated, the rest created.
    assert done["updated"] == 2
    assert done["created"] == ROWS - bad - 1

    one = await service.http.get(
        "/v1/contacts", params={"q": "+447700900001"}, headers=bearer(token)
    )
    assert one.status_code == 200
    items = [c for c in one.json()["items"] if c["phone"] == "+447700900001"]
    assert items
    assert items[0]["name"] == "Person 1"
    assert sorted(items[0]["tags"]) == ["imported", "vip"]
    members = await service.http.get(
        "/v1/contacts/groups/" + group.json()["id"], headers=bearer(token)
    )
    assert members.json()["member_count"] == ROWS - bad

    report = await service.http.get(
        f"/v1/contacts/imports/{import_id}/errors.csv", headers=bearer(token)
    )
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.text)))
    assert lines[0] == ["row", "reason"]
    assert [int(row[0]) for row in lines[1:]] == [i + 2 for i in range(ROWS) if i % 500 == 7]
    # Row number and reason only, not the row's data.
    assert "Bad" not in report.text

    for path in (
        f"/v1/contacts/imports/{import_id}",
        f"/v1/contacts/imports/{import_id}/errors.csv",
    ):
        assert (await service.http.get(path, headers=bearer(stranger))).status_code == 404


@pytest.mark.parametrize(
    "mapping",
    [{"Mobile": "name"}, {"Mobile": "phone", "Full name": "shoe_size"}, "not an object", {}],
)
async def test_a_bad_mapping_is_refused(
    service: Service, auth_service: AuthClient, mapping: Any
) -> None:
    token = (await auth_service.new_account())[1]
    before = set(service.directory.iterdir())

    refused = await upload(service, token, b"Mobile\n+447700900123\n", mapping)

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_mapping"
    assert set(service.directory.iterdir()) == before


async def test_an_oversize_file_is_refused(service: Service, auth_service: AuthClient) -> None:
    token = (await auth_service.new_account())[1]
    before = set(service.directory.iterdir())

    refused = await upload(service, token, b"Mobile\n" + b"+447700900123\n" * 50_000)

    assert refused.status_code == 413, refused.text
    assert set(service.directory.iterdir()) == before


async def test_files_are_deleted_after_the_retention(
    service: Service, auth_service: AuthClient
) -> None:
    from contacts_service.retention.service import retention_job
    from shared.db import create_engine, create_sessionmaker
    from shared.events import utcnow

    token = (await auth_service.new_account())[1]
    accepted = await upload(service, token, b"Mobile\nnope\n+447700911111\n", {"Mobile": "phone"})
    import_id = accepted.json()["id"]
    await finished(service, token, import_id)
    upload_file = service.directory / f"{import_id}.csv"
    report_file = service.directory / f"{import_id}.errors.csv"
    assert upload_file.exists()
    assert report_file.exists()

    engine = create_engine(service.database_url)
    try:
        sessions = create_sessionmaker(engine)
        # The retention job, its clock moved on: 59 days keep the files, 61 delete them.
        await retention_job(
            sessions, str(service.directory), 500, clock=lambda: utcnow() + timedelta(days=59)
        ).run_once()
        assert upload_file.exists()
        assert report_file.exists()
        await retention_job(
            sessions, str(service.directory), 500, clock=lambda: utcnow() + timedelta(days=61)
        ).run_once()
    finally:
        await engine.dispose()

    assert not upload_file.exists()
    assert not report_file.exists()
    got = await service.http.get(f"/v1/contacts/imports/{import_id}", headers=bearer(token))
    assert got.json()["files_deleted_at"] is not None
    assert got.json()["created"] == 1
    assert got.json()["skipped"] == 1


async def test_an_xlsx_file_is_imported(service: Service, auth_service: AuthClient) -> None:
    import openpyxl

    token = (await auth_service.new_account())[1]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Phone", "Name", "Born"])
    sheet.append(["+447700922001", "Ada", date(1990, 5, 17)])
    sheet.append(["+447700922002", "Bob", None])
    sheet.append(["0044 nonsense", "Cy", None])
    content = io.BytesIO()
    workbook.save(content)

    accepted = await service.http.post(
        "/v1/contacts/imports",
        files={"file": ("people.xlsx", content.getvalue(), "application/octet-stream")},
        data={"mapping": json.dumps({"Phone": "phone", "Name": "name", "Born": "birth_date"})},
        headers=bearer(token),
    )

    assert accepted.status_code == 202, accepted.text
    done = await finished(service, token, accepted.json()["id"])
    assert done["state"] == "done"
    assert done["created"] == 2
    assert done["skipped"] == 1
    listed = await service.http.get(
        "/v1/contacts", params={"q": "+447700922001"}, headers=bearer(token)
    )
    [ada] = listed.json()["items"]
    assert ada["name"] == "Ada"
    assert ada["birth_date"] == "1990-05-17"


async def test_another_kind_of_file_is_refused(service: Service, auth_service: AuthClient) -> None:
    token = (await auth_service.new_account())[1]
    before = set(service.directory.iterdir())

    refused = await service.http.post(
        "/v1/contacts/imports",
        files={"file": ("contacts.pdf", b"%PDF-1.4", "application/pdf")},
        data={"mapping": json.dumps(MAPPING)},
        headers=bearer(token),
    )

    assert refused.status_code == 415, refused.text
    assert refused.json()["code"] == "unsupported_file"
    assert set(service.directory.iterdir()) == before

"""Privacy exports (R17, issue 11 items 5-6) against PostgreSQL and the broker: contacts
gathers its own rows and dispatch's and dlr's (their internal routes, over real HTTP) into a
zip of JSON and CSV; the archive holds the number's contact, messages, receipts and replies,
nothing of another number or account, and CSV cells a spreadsheet would run are defused."""

import asyncio
import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from contacts_service.config import ContactsSettings
from contacts_service.main import create_app as create_contacts
from contacts_service.privacy.models import PrivacyExport
from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch
from dispatch_service.models import Message
from dlr_service.config import DlrSettings
from dlr_service.main import create_app as create_dlr
from dlr_service.models import InboundMessage, ReceiptRecord
from shared.events import utcnow
from shared.internal import INTERNAL_TOKEN_HEADER
from tests.integration.contacts_support import add_contact, bearer
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = "test-internal-token"
NUMBER = "+447700900123"
OTHER_NUMBER = "+447700900999"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@dataclass
class Platform:
    contacts: httpx.AsyncClient
    dispatch: FastAPI
    dlr: FastAPI
    dispatch_url: str
    contacts_app: FastAPI
    export_dir: Path


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient, tmp_path_factory: Any
) -> AsyncIterator[Platform]:
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": broker,
        "jwks_url": auth_service.jwks_url,
        "environment": "test",
        "internal_token": TOKEN,
    }
    dispatch = create_dispatch(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            consumer_group=f"dispatch-privacy-{uuid4().hex[:8]}",
            **common,
        )
    )
    dlr = create_dlr(DlrSettings(database_url=await databases.create("dlr"), **common))
    export_dir = tmp_path_factory.mktemp("exports")
    async with served_app(dispatch) as dispatch_url, served_app(dlr) as dlr_url:
        contacts = create_contacts(
            ContactsSettings(
                database_url=await databases.create("contacts"),
                consumer_group=f"contacts-privacy-{uuid4().hex[:8]}",
                export_dir=str(export_dir),
                export_poll_seconds=0.2,
                dispatch_url=dispatch_url,
                dlr_url=dlr_url,
                **common,
            )
        )
        async with running_app(contacts) as client:
            yield Platform(client, dispatch, dlr, dispatch_url, contacts, export_dir)


async def _message(platform: Platform, account_id: UUID, to: str, text: str) -> UUID:
    """A message dispatch sent, as its own tables hold it."""
    message = Message(
        id=uuid4(),
        account_id=account_id,
        to_number=to,
        sender="Acme",
        text=text,
        encoding="gsm7",
        segments=1,
        concat_reference=0,
        status="delivered",
    )
    async with platform.dispatch.state.runtime.sessionmaker() as session, session.begin():
        session.add(message)
    return message.id


async def _receipt_and_reply(
    platform: Platform, account_id: UUID, message_id: UUID, from_number: str, text: str
) -> None:
    now = utcnow()
    async with platform.dlr.state.runtime.sessionmaker() as session, session.begin():
        session.add(
            ReceiptRecord(
                account_id=account_id,
                message_id=message_id,
                part_index=0,
                smsc_message_id=f"smsc-{message_id.hex[:8]}",
                state="DELIVERED",
                status="delivered",
                intermediate=False,
                raw_text=f"id:{message_id.hex[:8]} stat:DELIVRD",
                received_at=now,
            )
        )
        session.add(
            InboundMessage(
                id=uuid4(),
                account_id=account_id,
                from_number=from_number,
                to_number="+447700900000",
                text=text,
                received_at=now + timedelta(seconds=1),
            )
        )


async def _ready(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    created = await client.post("/v1/privacy/exports", json=body, headers=bearer(token))
    assert created.status_code == 202, created.text
    url = created.headers["Location"]
    async with asyncio.timeout(30):
        while (export := (await client.get(url, headers=bearer(token))).json())["state"] in (
            "pending",
            "running",
        ):
            await asyncio.sleep(0.1)
    return export


async def _archive(client: httpx.AsyncClient, token: str, export_id: str) -> zipfile.ZipFile:
    response = await client.get(f"/v1/privacy/exports/{export_id}/download", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def _json(archive: zipfile.ZipFile, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(archive.read(f"{table}.json"))
    return rows


async def test_a_numbers_export_holds_its_contact_messages_receipts_and_replies_only(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    other_account, _ = await auth_service.new_account()
    contact = await add_contact(platform.contacts, token, NUMBER, name=FORMULA)
    assert contact.status_code == 201, contact.text
    mine = await _message(platform, account_id, NUMBER, "Your code is 1234")
    await _receipt_and_reply(platform, account_id, mine, NUMBER, "thanks!")
    # Another number of the account, and the same number at another account: not exported.
    theirs = await _message(platform, account_id, OTHER_NUMBER, "not yours")
    await _receipt_and_reply(platform, account_id, theirs, OTHER_NUMBER, "other reply")
    elsewhere = await _message(platform, other_account, NUMBER, "another tenant's")
    await _receipt_and_reply(platform, other_account, elsewhere, NUMBER, "other tenant reply")

    export = await _ready(platform.contacts, token, {"contact_id": contact.json()["id"]})

    assert (export["state"], export["attempts"], export["error"]) == ("ready", 1, None), export
    assert export["phone"] == NUMBER
    archive = await _archive(platform.contacts, token, export["id"])
    assert [row["phone"] for row in _json(archive, "contacts")] == [NUMBER]
    assert [(row["id"], row["text"]) for row in _json(archive, "messages")] == [
        (str(mine), "Your code is 1234")
    ]
    assert [row["message_id"] for row in _json(archive, "receipts")] == [str(mine)]
    assert [row["text"] for row in _json(archive, "inbound_messages")] == ["thanks!"]
    assert export["rows"] == 4
    # The CSV twin: the name a spreadsheet would run as a formula comes out as text.
    contacts_csv = list(csv.DictReader(io.StringIO(archive.read("contacts.csv").decode())))
    assert contacts_csv[0]["name"] == "'" + FORMULA
    assert _json(archive, "contacts")[0]["name"] == FORMULA


async def test_an_unknown_number_gives_an_empty_archive_not_an_error(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    export = await _ready(platform.contacts, token, {"phone": "+44 7700 900555"})

    assert (export["state"], export["rows"], export["phone"]) == ("ready", 0, "+447700900555")
    archive = await _archive(platform.contacts, token, export["id"])
    assert archive.namelist() == []


async def test_the_whole_account_is_the_owners_and_only_its_own(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    other_account, other_token = await auth_service.new_account()
    await add_contact(platform.contacts, token, NUMBER)
    await add_contact(platform.contacts, token, OTHER_NUMBER)
    await _message(platform, account_id, NUMBER, "one")
    await _message(platform, account_id, OTHER_NUMBER, "two")
    await _message(platform, other_account, NUMBER, "not this account's")

    export = await _ready(platform.contacts, token, {"all": True})

    archive = await _archive(platform.contacts, token, export["id"])
    assert sorted(row["phone"] for row in _json(archive, "contacts")) == [NUMBER, OTHER_NUMBER]
    assert sorted(row["text"] for row in _json(archive, "messages")) == ["one", "two"]
    # Another account neither sees the export nor downloads it.
    for path in (
        f"/v1/privacy/exports/{export['id']}",
        f"/v1/privacy/exports/{export['id']}/download",
    ):
        response = await platform.contacts.get(path, headers=bearer(other_token))
        assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    "body",
    [{}, {"phone": NUMBER, "all": True}, {"all": False}, {"phone": "07700 900123"}],
)
async def test_a_request_naming_no_one_clearly_is_refused_and_creates_nothing(
    platform: Platform, auth_service: AuthClient, body: dict[str, Any]
) -> None:
    _, token = await auth_service.new_account()

    response = await platform.contacts.post("/v1/privacy/exports", json=body, headers=bearer(token))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_dispatchs_export_route_wants_the_internal_token(platform: Platform) -> None:
    body = {"account_id": str(uuid4()), "phone": NUMBER}
    async with httpx.AsyncClient(base_url=platform.dispatch_url) as client:
        refused = await client.post("/internal/v1/privacy/export", json=body)
        wrong = await client.post(
            "/internal/v1/privacy/export", json=body, headers={INTERNAL_TOKEN_HEADER: "guess"}
        )
        allowed = await client.post(
            "/internal/v1/privacy/export", json=body, headers={INTERNAL_TOKEN_HEADER: TOKEN}
        )

    assert (refused.status_code, wrong.status_code, allowed.status_code) == (401, 401, 200)
    assert allowed.content == b""


async def _left_running(
    platform: Platform, account_id: UUID, phone: str, attempts: int
) -> tuple[UUID, list[Path]]:
    """An export whose worker died mid-build: still `running`, its lease passed, and the
    dead worker's spool and partial archive left in the export directory."""
    export = PrivacyExport(
        account_id=account_id,
        requested_by="user:test",
        scope="phone",
        phone=phone,
        state="running",
        lease_owner=uuid4(),
        lease_until=utcnow() - timedelta(minutes=1),
        attempts=attempts,
    )
    async with platform.contacts_app.state.runtime.sessionmaker() as session:
        async with session.begin():
            session.add(export)
    assert export.lease_owner is not None
    spool = platform.export_dir / f"{export.id}.{export.lease_owner.hex}.parts"
    spool.mkdir()
    (spool / "contacts.jsonl").write_text(f'{{"phone": "{phone}"}}\n')
    partial = platform.export_dir / f"{export.id}.{export.lease_owner.hex}.zip.partial"
    partial.write_bytes(b"PK half an archive")
    return export.id, [spool, partial]


async def _settled(client: httpx.AsyncClient, token: str, export_id: UUID) -> dict[str, Any]:
    url = f"/v1/privacy/exports/{export_id}"
    async with asyncio.timeout(30):
        while (export := (await client.get(url, headers=bearer(token))).json())["state"] in (
            "pending",
            "running",
        ):
            await asyncio.sleep(0.1)
    return export


async def test_an_export_left_running_by_a_dead_worker_is_resumed_into_one_archive(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    await add_contact(platform.contacts, token, NUMBER, name="Ada")
    mine = await _message(platform, account_id, NUMBER, "Your code is 1234")
    export_id, leftovers = await _left_running(platform, account_id, NUMBER, attempts=1)

    export = await _settled(platform.contacts, token, export_id)

    # The customer sees that a second worker built it.
    assert (export["state"], export["rows"], export["attempts"]) == ("ready", 2, 2), export
    archive = await _archive(platform.contacts, token, str(export_id))
    assert [row["phone"] for row in _json(archive, "contacts")] == [NUMBER]
    assert [row["id"] for row in _json(archive, "messages")] == [str(mine)]
    # One archive, and nothing of the dead worker's left beside it.
    assert [path.name for path in platform.export_dir.glob(f"{export_id}*")] == [f"{export_id}.zip"]
    assert not any(path.exists() for path in leftovers)


async def test_an_export_whose_workers_keep_dying_fails_with_a_reason(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    export_id, _ = await _left_running(platform, account_id, NUMBER, attempts=3)

    export = await _settled(platform.contacts, token, export_id)

    assert (export["state"], export["attempts"]) == ("failed", 3), export
    assert export["error"] == "Building the export was interrupted 3 times; ask for a new one"
    assert list(platform.export_dir.glob(f"{export_id}*")) == []
    download = await platform.contacts.get(
        f"/v1/privacy/exports/{export_id}/download", headers=bearer(token)
    )
    assert download.status_code == 409

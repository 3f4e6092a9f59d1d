"""The account's past requests in contacts (issue 12): imports, privacy exports and erasures
listed newest first, a page at a time, each account seeing only its own."""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.integration.contacts_support import bearer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def contacts(
    databases: Databases, broker: str, auth_service: AuthClient, tmp_path_factory: Any
) -> AsyncIterator[httpx.AsyncClient]:
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app

    settings = ContactsSettings(
        database_url=await databases.create("contacts"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"contacts-{uuid4().hex[:8]}",
        import_dir=str(tmp_path_factory.mktemp("imports")),
        export_dir=str(tmp_path_factory.mktemp("exports")),
        import_poll_seconds=0.1,
    )
    async with running_app(create_app(settings)) as client:
        yield client


async def upload(client: httpx.AsyncClient, token: str, name: str) -> dict[str, Any]:
    answer = await client.post(
        "/v1/contacts/imports",
        files={"file": (name, b"Phone\r\n+447700900123\r\nnot a number\r\n", "text/csv")},
        data={"mapping": json.dumps({"Phone": "phone"})},
        headers=bearer(token),
    )
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def listed(client: httpx.AsyncClient, path: str, token: str, **params: Any) -> Any:
    answer = await client.get(path, params=params, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_imports_are_listed_newest_first_a_page_at_a_time_per_account(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    token = (await auth_service.new_account())[1]
    stranger = (await auth_service.new_account("Stranger"))[1]
    names = [f"list-{i}.csv" for i in range(3)]
    for name in names:
        await upload(contacts, token, name)
    await upload(contacts, stranger, "theirs.csv")

    first = await listed(contacts, "/v1/contacts/imports", token, limit=2)
    second = await listed(
        contacts, "/v1/contacts/imports", token, limit=2, cursor=first["next_cursor"]
    )

    pages = first["items"] + second["items"]
    assert [item["file_name"] for item in pages] == names[::-1]
    assert second["next_cursor"] is None
    # Each with its state and counts, as GET /v1/contacts/imports/{id} gives them.
    assert {"state", "rows_read", "created", "skipped", "created_at"} <= set(pages[0])
    theirs = await listed(contacts, "/v1/contacts/imports", stranger)
    assert [item["file_name"] for item in theirs["items"]] == ["theirs.csv"]


async def test_a_made_up_cursor_is_a_problem_not_a_page(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    token = (await auth_service.new_account())[1]

    for path in ("/v1/contacts/imports", "/v1/privacy/exports", "/v1/privacy/erasures"):
        answer = await contacts.get(path, params={"cursor": "made-up"}, headers=bearer(token))
        assert answer.status_code == 422, path
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "invalid_cursor"


async def test_exports_and_erasures_are_listed_per_account(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    token = (await auth_service.new_account())[1]
    stranger = (await auth_service.new_account("Stranger"))[1]
    exports = [
        (
            await contacts.post("/v1/privacy/exports", json={"phone": phone}, headers=bearer(token))
        ).json()
        for phone in ("+447700900201", "+447700900202")
    ]
    erasure = await contacts.post(
        "/v1/privacy/erasures", json={"phone": "+447700900203"}, headers=bearer(token)
    )
    await contacts.post(
        "/v1/privacy/erasures", json={"phone": "+447700900204"}, headers=bearer(stranger)
    )

    listed_exports = await listed(contacts, "/v1/privacy/exports", token, limit=1)
    older = await listed(
        contacts, "/v1/privacy/exports", token, limit=1, cursor=listed_exports["next_cursor"]
    )
    listed_erasures = await listed(contacts, "/v1/privacy/erasures", token)

    assert [e["id"] for e in listed_exports["items"] + older["items"]] == [
        exports[1]["id"],
        exports[0]["id"],
    ]
    assert [e["phone"] for e in older["items"]] == ["+447700900201"]
    assert [e["id"] for e in listed_erasures["items"]] == [erasure.json()["id"]]
    # Its progress per service, as GET /v1/privacy/erasures/{id} gives it (contacts' own
    # part may have completed meanwhile: its consumer runs).
    services = listed_erasures["items"][0]["services"]
    assert [part["service"] for part in services] == ["contacts", "dispatch", "dlr"]
    assert (await listed(contacts, "/v1/privacy/exports", stranger))["items"] == []

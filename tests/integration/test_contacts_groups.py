"""Groups of contacts against PostgreSQL: create, rename, delete, members added and removed
in bulk, the contacts list filtered by group; bad ids change nothing; per account."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.integration.contacts_support import add_contact, bearer, contacts_client
from tests.support.apps import AuthClient
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def contacts(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with contacts_client(await databases.create("contacts"), broker, auth_service) as c:
        yield c


class Account:
    """Requests to contacts as one account."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = bearer(token)
        self.token = token

    async def call(self, method: str, url: str, body: Any = None) -> httpx.Response:
        return await self.http.request(method, url, json=body, headers=self.headers)

    async def contact(self, phone: str) -> str:
        created = await add_contact(self.http, self.token, phone)
        assert created.status_code == 201, created.text
        contact_id: str = created.json()["id"]
        return contact_id

    async def group(self, name: str) -> dict[str, Any]:
        created = await self.call("POST", "/v1/contacts/groups", {"name": name})
        assert created.status_code == 201, created.text
        group: dict[str, Any] = created.json()
        return group

    async def members(self, method: str, group_id: str, ids: list[str]) -> httpx.Response:
        return await self.call(
            method, f"/v1/contacts/groups/{group_id}/members", {"contact_ids": ids}
        )

    async def in_group(self, group_id: str) -> list[str]:
        listed = await self.http.get(
            "/v1/contacts", params={"group_id": group_id}, headers=self.headers
        )
        assert listed.status_code == 200, listed.text
        return sorted(item["id"] for item in listed.json()["items"])

    async def groups(self) -> list[dict[str, Any]]:
        listed = await self.call("GET", "/v1/contacts/groups")
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        return items


@pytest.fixture
async def account(contacts: httpx.AsyncClient, auth_service: AuthClient) -> Account:
    return Account(contacts, (await auth_service.new_account())[1])


@pytest.fixture
async def stranger(contacts: httpx.AsyncClient, auth_service: AuthClient) -> Account:
    return Account(contacts, (await auth_service.new_account("Stranger"))[1])


async def test_create_list_rename_and_delete(account: Account) -> None:
    spring = await account.group(" Spring ")
    await account.group("Autumn")

    renamed = await account.call("PATCH", f"/v1/contacts/groups/{spring['id']}", {"name": "Summer"})
    fetched = await account.call("GET", f"/v1/contacts/groups/{spring['id']}")

    assert spring["name"] == "Spring"
    assert spring["member_count"] == 0
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Summer"
    assert renamed.json()["updated_at"] is not None
    assert fetched.json() == renamed.json()
    assert [g["name"] for g in await account.groups()] == ["Autumn", "Summer"]

    deleted = await account.call("DELETE", f"/v1/contacts/groups/{spring['id']}")
    gone = await account.call("GET", f"/v1/contacts/groups/{spring['id']}")
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert [g["name"] for g in await account.groups()] == ["Autumn"]


async def test_a_name_is_used_once_per_account(account: Account, stranger: Account) -> None:
    spring = await account.group("Spring")
    autumn = await account.group("Autumn")

    again = await account.call("POST", "/v1/contacts/groups", {"name": "Spring"})
    renamed = await account.call("PATCH", f"/v1/contacts/groups/{autumn['id']}", {"name": "Spring"})
    same = await account.call("PATCH", f"/v1/contacts/groups/{spring['id']}", {"name": "Spring"})
    elsewhere = await stranger.call("POST", "/v1/contacts/groups", {"name": "Spring"})

    assert again.status_code == renamed.status_code == 409
    assert again.json()["code"] == renamed.json()["code"] == "group_name_taken"
    assert same.status_code == 200, "its own name is no conflict"
    assert elsewhere.status_code == 201
    assert [g["name"] for g in await account.groups()] == ["Autumn", "Spring"]


async def test_members_are_added_and_removed_in_bulk(account: Account) -> None:
    group = await account.group("Spring")
    ada, bob, cy = [await account.contact(f"+4477009001{i:02}") for i in range(3)]

    added = await account.members("POST", group["id"], [ada, bob, ada])
    again = await account.members("POST", group["id"], [bob, cy])

    assert added.status_code == 200, added.text
    assert added.json()["member_count"] == 2
    assert again.json()["member_count"] == 3, "adding a member twice keeps one"
    assert await account.in_group(group["id"]) == sorted([ada, bob, cy])

    removed = await account.members("DELETE", group["id"], [ada, cy])

    assert removed.status_code == 200, removed.text
    assert removed.json()["member_count"] == 1
    assert await account.in_group(group["id"]) == [bob]
    everyone = await account.http.get("/v1/contacts", headers=account.headers)
    assert len(everyone.json()["items"]) == 3, "the contacts stay"


async def test_ids_not_the_accounts_contacts_are_listed_and_nothing_changes(
    account: Account, stranger: Account
) -> None:
    group = await account.group("Spring")
    mine = await account.contact("+447700900123")
    theirs = await stranger.contact("+447700900124")
    unknown = str(uuid4())

    added = await account.members("POST", group["id"], [mine, theirs, unknown])
    removed = await account.members("DELETE", group["id"], [unknown])

    assert added.status_code == removed.status_code == 422
    assert added.json()["code"] == "unknown_contacts"
    assert added.json()["contact_ids"] == [theirs, unknown]
    assert removed.json()["contact_ids"] == [unknown]
    assert await account.in_group(group["id"]) == []


@pytest.mark.parametrize("count", [0, 1001])
async def test_a_call_takes_one_to_a_thousand_ids(account: Account, count: int) -> None:
    group = await account.group("Spring")

    response = await account.members("POST", group["id"], [str(uuid4()) for _ in range(count)])

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_a_thousand_members_in_one_call(account: Account) -> None:
    group = await account.group("Everyone")
    ids = [await account.contact(f"+1202555{i:04}") for i in range(1000)]

    added = await account.members("POST", group["id"], ids)

    assert added.status_code == 200, added.text
    assert added.json()["member_count"] == 1000


async def test_deleting_a_group_or_a_contact_ends_the_membership(account: Account) -> None:
    keep, gone = await account.group("Keep"), await account.group("Gone")
    ada, bob = await account.contact("+447700900123"), await account.contact("+447700900124")
    await account.members("POST", keep["id"], [ada, bob])
    await account.members("POST", gone["id"], [ada])

    await account.call("DELETE", f"/v1/contacts/groups/{gone['id']}")
    await account.call("DELETE", f"/v1/contacts/{bob}")

    assert await account.in_group(keep["id"]) == [ada]
    assert (await account.call("GET", f"/v1/contacts/{ada}")).status_code == 200
    assert [(g["name"], g["member_count"]) for g in await account.groups()] == [("Keep", 1)]


async def test_another_accounts_group_does_not_exist_for_you(
    account: Account, stranger: Account
) -> None:
    group = await account.group("Spring")
    member = await account.contact("+447700900123")
    await account.members("POST", group["id"], [member])
    own = await stranger.contact("+447700900123")
    url = f"/v1/contacts/groups/{group['id']}"

    answers = [
        await stranger.call("GET", url),
        await stranger.call("PATCH", url, {"name": "Mine"}),
        await stranger.call("DELETE", url),
        await stranger.members("POST", group["id"], [own]),
        await stranger.members("DELETE", group["id"], [own]),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert await stranger.groups() == []
    assert await stranger.in_group(group["id"]) == []
    assert await account.groups() == [group | {"member_count": 1}]
    assert await account.in_group(group["id"]) == [member]


async def test_a_contact_erased_while_it_is_added_leaves_no_membership_and_no_500(
    account: Account,
) -> None:
    group = await account.group("Spring")
    ids = [await account.contact(f"+4477009001{i:02}") for i in range(4)]

    *added, erased = await asyncio.gather(
        *(account.members("POST", group["id"], ids) for _ in range(3)),
        account.call("DELETE", f"/v1/contacts/{ids[0]}"),
    )

    assert erased.status_code == 204
    for answer in added:
        assert answer.status_code in (200, 422), answer.text
        if answer.status_code == 422:
            assert answer.json()["contact_ids"] == [ids[0]]
    any_added = any(answer.status_code == 200 for answer in added)
    assert await account.in_group(group["id"]) == (sorted(ids[1:]) if any_added else [])

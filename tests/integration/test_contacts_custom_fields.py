"""An account's own contact fields against PostgreSQL: defining them, values checked against
their type, PATCH merging values, deleting a field with its values; per account."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.contacts_support import add_contact, bearer, contacts_client
from tests.support.apps import AuthClient
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

FIELDS = {"points": "number", "member_since": "date", "opted_in": "boolean", "city": "text"}


@pytest.fixture(scope="module")
async def contacts(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with contacts_client(await databases.create("contacts"), broker, auth_service) as c:
        yield c


@pytest.fixture
async def token(contacts: httpx.AsyncClient, auth_service: AuthClient) -> str:
    """A new account with FIELDS defined."""
    _, token = await auth_service.new_account()
    for key, type_ in FIELDS.items():
        added = await add_field(contacts, token, key, type_)
        assert added.status_code == 201, added.text
    return token


async def add_field(
    contacts: httpx.AsyncClient, token: str, key: str, type_: str
) -> httpx.Response:
    body = {"key": key, "type": type_}
    return await contacts.post("/v1/contacts/fields", json=body, headers=bearer(token))


async def fields(contacts: httpx.AsyncClient, token: str) -> dict[str, str]:
    response = await contacts.get("/v1/contacts/fields", headers=bearer(token))
    assert response.status_code == 200, response.text
    return {item["key"]: item["type"] for item in response.json()["items"]}


async def custom_of(contacts: httpx.AsyncClient, token: str, contact_id: str) -> Any:
    response = await contacts.get(f"/v1/contacts/{contact_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["custom"]


async def test_values_of_each_type_are_kept(contacts: httpx.AsyncClient, token: str) -> None:
    values = {"points": 12.5, "member_since": "2024-05-01", "opted_in": False, "city": " Leeds "}

    created = await add_contact(contacts, token, custom=values)

    assert created.status_code == 201, created.text
    expected = values | {"city": "Leeds"}
    assert created.json()["custom"] == expected
    assert await custom_of(contacts, token, created.json()["id"]) == expected
    assert await fields(contacts, token) == FIELDS


async def test_a_key_is_defined_once_and_well_formed(
    contacts: httpx.AsyncClient, token: str
) -> None:
    again = await add_field(contacts, token, "points", "text")
    bad_key = await add_field(contacts, token, "Points!", "text")
    bad_type = await add_field(contacts, token, "colour", "color")

    assert again.status_code == 409
    assert again.json()["code"] == "field_exists"
    assert bad_key.status_code == bad_type.status_code == 422
    assert await fields(contacts, token) == FIELDS


@pytest.mark.parametrize(
    ("custom", "keys"),
    [
        ({"unknown": "x"}, ["unknown"]),
        ({"points": "12"}, ["points"]),
        ({"points": True}, ["points"]),
        ({"member_since": "2024-13-01"}, ["member_since"]),
        ({"member_since": "1 May 2024"}, ["member_since"]),
        ({"opted_in": "yes"}, ["opted_in"]),
        ({"opted_in": 1}, ["opted_in"]),
        ({"city": 3}, ["city"]),
        ({"city": "  "}, ["city"]),
        ({"city": "Leeds", "points": "many", "shoe": 42}, ["points", "shoe"]),
    ],
)
async def test_a_value_that_does_not_fit_names_its_key_and_stores_nothing(
    contacts: httpx.AsyncClient, token: str, custom: dict[str, Any], keys: list[str]
) -> None:
    response = await add_contact(contacts, token, custom=custom)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_custom_field"
    assert problem["keys"] == keys
    assert all(repr(key) in problem["detail"] for key in keys)
    listed = await contacts.get("/v1/contacts", headers=bearer(token))
    assert listed.json()["items"] == []


@pytest.mark.parametrize("custom", [{"k" * 41: 1}, {"": 1}, {f"k{i}": 1 for i in range(51)}])
async def test_keys_no_field_could_have_are_refused_as_input(
    contacts: httpx.AsyncClient, token: str, custom: dict[str, Any]
) -> None:
    response = await add_contact(contacts, token, custom=custom)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_patch_changes_the_values_it_names(contacts: httpx.AsyncClient, token: str) -> None:
    contact = (await add_contact(contacts, token, custom={"points": 1, "city": "Leeds"})).json()
    url = f"/v1/contacts/{contact['id']}"

    changed = await contacts.patch(
        url, json={"custom": {"points": 2, "city": None, "opted_in": True}}, headers=bearer(token)
    )
    refused = await contacts.patch(
        url, json={"name": "Eve", "custom": {"points": "three"}}, headers=bearer(token)
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["custom"] == {"opted_in": True, "points": 2}
    assert refused.status_code == 422
    assert refused.json()["keys"] == ["points"]
    after = (await contacts.get(url, headers=bearer(token))).json()
    assert after["custom"] == {"opted_in": True, "points": 2}
    assert after["name"] is None


async def test_deleting_a_field_deletes_its_values(contacts: httpx.AsyncClient, token: str) -> None:
    contact = (await add_contact(contacts, token, custom={"points": 7, "city": "Leeds"})).json()

    deleted = await contacts.delete("/v1/contacts/fields/points", headers=bearer(token))
    again = await contacts.delete("/v1/contacts/fields/points", headers=bearer(token))
    await add_field(contacts, token, "points", "text")

    assert deleted.status_code == 204
    assert again.status_code == 404
    assert await custom_of(contacts, token, contact["id"]) == {"city": "Leeds"}
    assert (await fields(contacts, token))["points"] == "text"


async def test_fields_are_the_accounts_own(
    contacts: httpx.AsyncClient, auth_service: AuthClient, token: str
) -> None:
    _, stranger = await auth_service.new_account("Stranger")

    listed = await fields(contacts, stranger)
    used = await add_contact(contacts, stranger, custom={"points": 1})
    deleted = await contacts.delete("/v1/contacts/fields/points", headers=bearer(stranger))
    own = await add_field(contacts, stranger, "points", "text")

    assert listed == {}
    assert used.status_code == 422
    assert used.json()["code"] == "invalid_custom_field"
    assert deleted.status_code == 404
    assert own.status_code == 201, "the same key in another account is no conflict"
    assert await fields(contacts, token) == FIELDS


async def test_a_contact_with_values_can_be_erased(contacts: httpx.AsyncClient, token: str) -> None:
    contact = (await add_contact(contacts, token, custom={"points": 7})).json()

    erased = await contacts.delete(f"/v1/contacts/{contact['id']}", headers=bearer(token))

    gone = await contacts.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    assert erased.status_code == 204
    assert gone.status_code == 404


async def test_a_field_deleted_while_contacts_set_it_leaves_no_value_and_no_500(
    contacts: httpx.AsyncClient, token: str
) -> None:
    adds = [
        add_contact(contacts, token, f"+4477009001{i:02}", custom={"points": i}) for i in range(8)
    ]
    deletion = contacts.delete("/v1/contacts/fields/points", headers=bearer(token))

    *added, deleted = await asyncio.gather(*adds, deletion)

    assert deleted.status_code == 204
    for answer in added:
        assert answer.status_code in (201, 422), answer.text
        if answer.status_code == 422:
            assert answer.json()["keys"] == ["points"]
    listed = await contacts.get("/v1/contacts", headers=bearer(token))
    assert [item["custom"] for item in listed.json()["items"]] == [{}] * sum(
        answer.status_code == 201 for answer in added
    )

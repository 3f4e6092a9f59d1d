"""Searching an account's contacts against PostgreSQL: `q` over name, e-mail and phone
whatever the case, `tag`, both at once, cursor pages over the matches; only the account's."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.contacts_support import add_contact, bearer, contacts_client
from tests.support.apps import AuthClient
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

PEOPLE = [
    {"phone": "+447700900123", "name": "Ada Lovelace", "tags": ["vip"]},
    {"phone": "+447700900124", "name": "Charles Babbage", "email": "cb@Engine.example"},
    {"phone": "+4930901820", "name": "100% Konrad", "tags": ["VIP", "berlin"]},
    {"phone": "+12025550141", "email": "grace@navy.example", "tags": ["berlin"]},
]


@pytest.fixture(scope="module")
async def contacts(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with contacts_client(await databases.create("contacts"), broker, auth_service) as c:
        yield c


@pytest.fixture(scope="module")
async def token(contacts: httpx.AsyncClient, auth_service: AuthClient) -> str:
    """One account holding PEOPLE, added in order (the last is the newest); another
    account holds look-alikes that no search of this one may find."""
    _, token = await auth_service.new_account()
    _, other = await auth_service.new_account("Other")
    for person in PEOPLE:
        assert (await add_contact(contacts, token, **person)).status_code == 201
        assert (await add_contact(contacts, other, **person)).status_code == 201
    return token


async def names(contacts: httpx.AsyncClient, token: str, **params: Any) -> list[str]:
    response = await contacts.get("/v1/contacts", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [item["name"] or item["email"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("ada", ["Ada Lovelace"]),
        ("LOVELACE", ["Ada Lovelace"]),
        ("engine.EXAMPLE", ["Charles Babbage"]),
        ("navy", ["grace@navy.example"]),
        ("+44 7700 900-124", ["Charles Babbage"]),
        ("7700", ["Charles Babbage", "Ada Lovelace"]),
        ("(202) 555", ["grace@navy.example"]),
        ("%", ["100% Konrad"]),  # a literal percent sign, not a wildcard
        ("_", []),
        ("nobody", []),
    ],
)
async def test_q_finds_name_email_or_phone_whatever_the_case(
    contacts: httpx.AsyncClient, token: str, q: str, found: list[str]
) -> None:
    assert await names(contacts, token, q=q) == found


async def test_tag_filters_whatever_its_case(contacts: httpx.AsyncClient, token: str) -> None:
    assert await names(contacts, token, tag="VIP") == ["100% Konrad", "Ada Lovelace"]
    assert await names(contacts, token, tag="berlin") == ["grace@navy.example", "100% Konrad"]
    assert await names(contacts, token, tag="nope") == []


async def test_filters_combine(contacts: httpx.AsyncClient, token: str) -> None:
    assert await names(contacts, token, tag="berlin", q="konrad") == ["100% Konrad"]
    assert await names(contacts, token, tag="vip", q="navy") == []


async def test_cursor_pages_walk_through_the_matches_only(
    contacts: httpx.AsyncClient, token: str
) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(len(PEOPLE) + 1):
        params: dict[str, Any] = {"tag": "berlin", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (await contacts.get("/v1/contacts", params=params, headers=bearer(token))).json()
        seen += [item["phone"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == ["+12025550141", "+4930901820"]


@pytest.mark.parametrize("params", [{"q": ""}, {"tag": "x" * 33}, {"limit": 0}, {"limit": 501}])
async def test_out_of_range_parameters_are_refused(
    contacts: httpx.AsyncClient, token: str, params: dict[str, Any]
) -> None:
    response = await contacts.get("/v1/contacts", params=params, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"

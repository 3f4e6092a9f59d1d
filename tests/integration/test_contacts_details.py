"""A contact's details against PostgreSQL: country, address, birth date, tags, and changing
them with PATCH; bad input changes nothing, and another account changes nothing."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

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


@pytest.fixture
async def token(auth_service: AuthClient) -> str:
    return (await auth_service.new_account())[1]


def years_ago(years: int, days: int = 0) -> str:
    today = datetime.now(UTC).date()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February; that year had none
        anniversary = date(today.year - years, 2, 28)
    return (anniversary - timedelta(days=days)).isoformat()


async def listed(contacts: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    response = await contacts.get("/v1/contacts", headers=bearer(token))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def patch(
    contacts: httpx.AsyncClient, token: str, contact_id: str, **body: Any
) -> httpx.Response:
    return await contacts.patch(f"/v1/contacts/{contact_id}", json=body, headers=bearer(token))


async def test_details_are_kept_and_tags_normalised(
    contacts: httpx.AsyncClient, token: str
) -> None:
    created = await add_contact(
        contacts,
        token,
        "+4930901820",
        country="at",
        address="Ringstraße 1, 1010 Wien",
        birth_date="1990-02-03",
        tags=["VIP", " vip ", "Newsletter"],
    )

    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["country"] == "AT", "a given country wins over the phone's"
    assert contact["address"] == "Ringstraße 1, 1010 Wien"
    assert contact["birth_date"] == "1990-02-03"
    assert contact["tags"] == ["newsletter", "vip"]
    assert contact["updated_at"] is None
    fetched = await contacts.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    assert fetched.json() == contact


@pytest.mark.parametrize(
    ("phone", "country"),
    [("+4930901820", "DE"), ("+1 613 555 0123", "CA"), ("+44 7700 900123", "GB")],
)
async def test_country_comes_from_the_phone_when_not_given(
    contacts: httpx.AsyncClient, token: str, phone: str, country: str
) -> None:
    created = await add_contact(contacts, token, phone)

    assert created.json()["country"] == country


@pytest.mark.parametrize(
    "fields",
    [
        {"country": "UK"},  # not ISO: GB
        {"country": "DEU"},
        {"tags": [""]},
        {"tags": ["x" * 33]},
        {"tags": [f"t{i}" for i in range(21)]},
        {"tags": ["ok\u202e"]},
        {"address": "line 1\nline 2"},
    ],
)
async def test_invalid_details_are_refused_and_store_nothing(
    contacts: httpx.AsyncClient, token: str, fields: dict[str, Any]
) -> None:
    response = await add_contact(contacts, token, **fields)

    assert response.status_code == 422, response.text
    assert response.json()["code"] in {"validation_error", "invalid_text"}
    assert await listed(contacts, token) == []


@pytest.mark.parametrize(
    ("birth_date", "code"),
    [
        (years_ago(14, days=-1), "minor_not_allowed"),  # 14 tomorrow
        (years_ago(0), "minor_not_allowed"),
        (years_ago(0, days=-1), "invalid_birth_date"),  # tomorrow
        ("2999-01-01", "invalid_birth_date"),
    ],
)
async def test_a_minor_or_an_unborn_is_refused(
    contacts: httpx.AsyncClient, token: str, birth_date: str, code: str
) -> None:
    response = await add_contact(contacts, token, birth_date=birth_date)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert await listed(contacts, token) == []


async def test_fourteen_today_is_old_enough(contacts: httpx.AsyncClient, token: str) -> None:
    response = await add_contact(contacts, token, birth_date=years_ago(14))

    assert response.status_code == 201, response.text


async def test_patch_changes_only_what_it_names(contacts: httpx.AsyncClient, token: str) -> None:
    contact = (
        await add_contact(contacts, token, name="Ada", email="ada@example.com", tags=["a", "b"])
    ).json()

    response = await patch(
        contacts, token, contact["id"], email=None, address="12 Downing St", tags=["B", "c"]
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "Ada"
    assert changed["email"] is None
    assert changed["address"] == "12 Downing St"
    assert changed["tags"] == ["b", "c"]
    assert changed["phone"] == contact["phone"]
    assert changed["updated_at"] is not None
    assert await listed(contacts, token) == [changed]


async def test_a_new_phone_brings_its_country_unless_one_was_given(
    contacts: httpx.AsyncClient, token: str
) -> None:
    derived = (await add_contact(contacts, token, "+4930901820")).json()
    given = (await add_contact(contacts, token, "+4930901821", country="AT")).json()

    moved = (await patch(contacts, token, derived["id"], phone="+33 1 23 45 67 89")).json()
    kept = (await patch(contacts, token, given["id"], phone="+33 1 23 45 67 88")).json()
    both = (await patch(contacts, token, derived["id"], phone="+4930901822", country="CH")).json()

    assert (moved["phone"], moved["country"]) == ("+33123456789", "FR")
    assert (kept["phone"], kept["country"]) == ("+33123456788", "AT")
    assert (both["phone"], both["country"]) == ("+4930901822", "CH")


async def test_patch_to_another_contacts_phone_is_a_conflict(
    contacts: httpx.AsyncClient, token: str
) -> None:
    first = (await add_contact(contacts, token, "+44 7700 900123")).json()
    second = (await add_contact(contacts, token, "+44 7700 900124", name="Bob")).json()

    taken = await patch(contacts, token, second["id"], phone="+447700900123", name="Robert")
    same = await patch(contacts, token, first["id"], phone="+44 (0)7700 900123")

    assert taken.status_code == 409
    assert taken.json()["code"] == "contact_exists"
    assert same.status_code == 200, "its own phone, written differently, is no conflict"
    unchanged = await contacts.get(f"/v1/contacts/{second['id']}", headers=bearer(token))
    assert unchanged.json() == second


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"birth_date": years_ago(10)}, "minor_not_allowed"),
        ({"birth_date": "2999-01-01"}, "invalid_birth_date"),
        ({"phone": None}, "validation_error"),
        ({"phone": "07700 900125"}, "invalid_phone_number"),
        ({"tags": None}, "validation_error"),
        ({"country": "ZZ"}, "validation_error"),
        ({"consent_source": "changed"}, "validation_error"),  # consent is not edited here
    ],
)
async def test_invalid_patch_changes_nothing(
    contacts: httpx.AsyncClient, token: str, body: dict[str, Any], code: str
) -> None:
    contact = (await add_contact(contacts, token, name="Ada", tags=["vip"])).json()

    response = await patch(contacts, token, contact["id"], name="Eve", **body)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert await listed(contacts, token) == [contact]


async def test_another_account_cannot_change_a_contact(
    contacts: httpx.AsyncClient, auth_service: AuthClient, token: str
) -> None:
    _, stranger = await auth_service.new_account("Stranger")
    contact = (await add_contact(contacts, token, name="Ada")).json()

    response = await patch(contacts, stranger, contact["id"], name="Eve")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert await listed(contacts, token) == [contact]


async def test_the_same_phone_added_at_once_is_one_contact_and_conflicts(
    contacts: httpx.AsyncClient, token: str
) -> None:
    answers = await asyncio.gather(
        *(add_contact(contacts, token, "+44 7700 900123") for _ in range(8))
    )

    assert sorted(answer.status_code for answer in answers) == [201] + [409] * 7
    assert {answer.json().get("code") for answer in answers if answer.status_code == 409} == {
        "contact_exists"
    }
    assert len(await listed(contacts, token)) == 1


async def test_contacts_moved_to_one_phone_at_once_conflict(
    contacts: httpx.AsyncClient, token: str
) -> None:
    ids = [(await add_contact(contacts, token, f"+44770090010{i}")).json()["id"] for i in range(6)]

    answers = await asyncio.gather(
        *(patch(contacts, token, contact_id, phone="+447700900199") for contact_id in ids)
    )

    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 5
    phones = [contact["phone"] for contact in await listed(contacts, token)]
    assert phones.count("+447700900199") == 1

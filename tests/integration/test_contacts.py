"""contacts against PostgreSQL, with real tokens from auth: one account's recipients, E.164."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, String, Uuid, column, table, text

from shared.db import UtcDateTime, create_engine
from shared.events import utcnow
from tests.integration.contacts_support import add_contact, bearer, contacts_client
from tests.support.apps import AuthClient
from tests.support.databases import Databases, migrate

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def contacts_db(databases: Databases) -> str:
    return await databases.create("contacts")


@pytest.fixture(scope="module")
async def contacts(
    contacts_db: str, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with contacts_client(contacts_db, broker, auth_service) as client:
        yield client


async def test_create_read_list_and_delete(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    created = await add_contact(
        contacts,
        token,
        "+44 7700 900123",
        name="Ada Lovelace",
        email="ada@example.com",
        consented_at="2026-01-15T10:00:00+00:00",
        consent_source="web form",
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["phone"] == "+447700900123"
    assert contact["name"] == "Ada Lovelace"
    assert contact["consent_source"] == "web form"
    assert contact["consented_at"].startswith("2026-01-15T10:00:00")

    fetched = await contacts.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    listed = await contacts.get("/v1/contacts", headers=bearer(token))
    assert fetched.json() == contact
    assert listed.json() == {"items": [contact], "next_cursor": None}

    deleted = await contacts.delete(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    gone = await contacts.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["code"] == "not_found"
    assert (await contacts.get("/v1/contacts", headers=bearer(token))).json()["items"] == []


async def test_list_is_newest_first_and_paged_by_cursor(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    phones = ["+12025550141", "+12025550142", "+12025550143"]
    for phone in phones:
        assert (await add_contact(contacts, token, phone)).status_code == 201

    first = (await contacts.get("/v1/contacts?limit=2", headers=bearer(token))).json()
    # A contact added meanwhile neither shifts the next page nor appears in it.
    assert (await add_contact(contacts, token, "+12025550144")).status_code == 201
    rest = (
        await contacts.get(
            "/v1/contacts",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=bearer(token),
        )
    ).json()

    assert [c["phone"] for c in first["items"]] == phones[:0:-1]
    assert [c["phone"] for c in rest["items"]] == phones[:1]
    assert first["next_cursor"] is not None
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjogMX0", "WyIyMDI2LTAxLTAxIiwgIngiXQ"])
async def test_a_made_up_cursor_is_invalid(
    contacts: httpx.AsyncClient, auth_service: AuthClient, cursor: str
) -> None:
    _, token = await auth_service.new_account()

    response = await contacts.get("/v1/contacts", params={"cursor": cursor}, headers=bearer(token))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("phone", ["07700 900123", "0044 7700 900123", "+44 12", "call me", ""])
async def test_phone_without_country_code_or_impossible_is_invalid(
    contacts: httpx.AsyncClient, auth_service: AuthClient, phone: str
) -> None:
    _, token = await auth_service.new_account()

    response = await add_contact(contacts, token, phone)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_phone_number"


async def test_consent_time_needs_a_timezone_and_fields_are_checked(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    naive = await add_contact(contacts, token, consented_at="2026-01-15T10:00:00")
    misspelt = await add_contact(contacts, token, consentedAt="2026-01-15T10:00:00Z")

    assert naive.status_code == misspelt.status_code == 422
    assert naive.json()["code"] == misspelt.json()["code"] == "validation_error"


async def test_same_phone_twice_in_one_account_is_a_conflict(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    _, other_token = await auth_service.new_account()

    first = await add_contact(contacts, token, "+44 7700 900123")
    again = await add_contact(contacts, token, "+447700900123")
    elsewhere = await add_contact(contacts, other_token, "+44 (0)7700 900123")

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "contact_exists"
    assert elsewhere.status_code == 201, "uniqueness is per account"


async def test_another_accounts_contact_does_not_exist_for_you(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, owner = await auth_service.new_account("Owner")
    _, stranger = await auth_service.new_account("Stranger")
    contact = (await add_contact(contacts, owner, "+4930901820")).json()
    url = f"/v1/contacts/{contact['id']}"

    peek = await contacts.get(url, headers=bearer(stranger))
    erase = await contacts.delete(url, headers=bearer(stranger))
    listed = (await contacts.get("/v1/contacts", headers=bearer(stranger))).json()

    assert peek.status_code == erase.status_code == 404
    assert peek.json()["code"] == erase.json()["code"] == "not_found"
    assert listed == {"items": [], "next_cursor": None}
    assert (await contacts.get(url, headers=bearer(owner))).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-jwt"}])
async def test_contacts_need_a_valid_token(
    contacts: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    listed = await contacts.get("/v1/contacts", headers=headers)
    created = await contacts.post("/v1/contacts", json={"phone": "+12025550143"}, headers=headers)

    for response in (listed, created):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "unauthorized"


async def test_contacts_from_before_countries_get_their_phones_country(
    databases: Databases,
) -> None:
    url = await databases.create("contacts")
    # Back to before `country` existed, with contacts stored then.
    await asyncio.to_thread(migrate, "contacts", url, "downgrade", "ef97146f885e")
    phones = {"+4930901820": "DE", "+447700900123": "GB", "+80012345678": None}
    contacts = table(
        "contacts",
        column("id", Uuid()),
        column("account_id", Uuid()),
        column("phone", String()),
        column("created_at", UtcDateTime()),
    )
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                contacts.insert(),
                [
                    {"id": uuid4(), "account_id": uuid4(), "phone": phone, "created_at": utcnow()}
                    for phone in phones
                ],
            )
        await asyncio.to_thread(migrate, "contacts", url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT phone, country FROM contacts"))).all()
    finally:
        await engine.dispose()

    assert dict(rows) == phones


async def test_migrations_match_models(contacts_db: str) -> None:
    from contacts_service.models import Base

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(contacts_db)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()

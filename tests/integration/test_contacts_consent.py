"""Consent records on contacts (R11) against PostgreSQL and the broker: what the account
records through the API is the contact's consent and reaches dispatch, which refuses
marketing to a number whose marketing consent was withdrawn."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch
from tests.integration.contacts_support import add_contact, bearer, contacts_client
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def contacts(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with contacts_client(await databases.create("contacts"), broker, auth_service) as client:
        yield client


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-contacts-consent-{uuid4().hex[:8]}",
        sender_approval_required=False,
    )
    async with running_app(create_dispatch(settings)) as client:
        yield client


async def _contact(client: httpx.AsyncClient, token: str, phone: str) -> dict[str, Any]:
    created = await add_contact(client, token, phone)
    assert created.status_code == 201, created.text
    contact: dict[str, Any] = created.json()
    return contact


async def _record(
    client: httpx.AsyncClient, token: str, contact_id: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/v1/contacts/{contact_id}/consent", json=body, headers=bearer(token))


async def _records(client: httpx.AsyncClient, token: str, contact_id: str) -> httpx.Response:
    return await client.get(f"/v1/contacts/{contact_id}/consent", headers=bearer(token))


async def test_a_withdrawal_through_the_api_stops_marketing_at_dispatch(
    contacts: httpx.AsyncClient, dispatch: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    contact = await _contact(contacts, token, "+447700900501")
    assert contact["consent"] == {"marketing": None, "transactional": None}

    async def send(purpose: str) -> httpx.Response:
        return await dispatch.post(
            "/v1/messages",
            json={"to": contact["phone"], "text": "Sale today", "purpose": purpose},
            headers=bearer(token),
        )

    assert (await send("marketing")).status_code == 202
    withdrawn = await _record(
        contacts, token, contact["id"], purpose="marketing", granted=False, source="api"
    )
    assert withdrawn.status_code == 201, withdrawn.text

    async def refused() -> bool:
        response = await send("marketing")
        return response.status_code == 422 and response.json()["code"] == "recipient_opted_out"

    assert await eventually(refused)
    # Only marketing was withdrawn: what the recipient asked for still goes.
    assert (await send("transactional")).status_code == 202
    fetched = (await contacts.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))).json()
    assert fetched["consent"]["transactional"] is None
    marketing = fetched["consent"]["marketing"]
    assert (marketing["granted"], marketing["source"]) == (False, "api")
    assert marketing["at"] == withdrawn.json()["recorded_at"]


async def test_records_are_kept_newest_first_and_the_latest_is_the_consent(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    contact = await _contact(contacts, token, "+447700900502")
    first = await _record(
        contacts,
        token,
        contact["id"],
        purpose="marketing",
        granted=True,
        source="web_form",
        evidence="  signup form v3, box 'offers by SMS'  ",
    )
    second = await _record(contacts, token, contact["id"], purpose="transactional", granted=True)
    third = await _record(contacts, token, contact["id"], purpose="marketing", granted=False)
    assert [r.status_code for r in (first, second, third)] == [201, 201, 201]

    records = (await _records(contacts, token, contact["id"])).json()["items"]

    assert [r["id"] for r in records] == [
        third.json()["id"],
        second.json()["id"],
        first.json()["id"],
    ]
    assert records[2] == {
        "id": first.json()["id"],
        "purpose": "marketing",
        "granted": True,
        "source": "web_form",
        "evidence": "signup form v3, box 'offers by SMS'",
        "recorded_at": first.json()["recorded_at"],
        "contact_id": contact["id"],
    }
    assert records[0]["source"] == "api"  # the default
    listed = (await contacts.get("/v1/contacts", headers=bearer(token))).json()["items"]
    assert listed[0]["consent"] == {
        "marketing": {"granted": False, "source": "api", "at": third.json()["recorded_at"]},
        "transactional": {"granted": True, "source": "api", "at": second.json()["recorded_at"]},
    }


async def test_another_account_neither_sees_nor_records_consent_on_a_contact(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, owner = await auth_service.new_account()
    _, other = await auth_service.new_account()
    contact = await _contact(contacts, owner, "+447700900503")
    assert (
        await _record(contacts, owner, contact["id"], purpose="marketing", granted=True)
    ).status_code == 201
    # The other account's own contact with the same number has its own, empty, consent.
    same_number = await _contact(contacts, other, "+447700900503")

    foreign_read = await _records(contacts, other, contact["id"])
    foreign_write = await _record(
        contacts, other, contact["id"], purpose="marketing", granted=False
    )

    assert (foreign_read.status_code, foreign_write.status_code) == (404, 404)
    assert foreign_write.json()["code"] == "not_found"
    assert same_number["consent"] == {"marketing": None, "transactional": None}
    assert (await _records(contacts, other, same_number["id"])).json()["items"] == []
    owners = (await _records(contacts, owner, contact["id"])).json()["items"]
    assert [r["granted"] for r in owners] == [True]


@pytest.mark.parametrize(
    "body",
    [
        {"purpose": "newsletters", "granted": False},
        {"purpose": "marketing", "granted": False, "source": "keyword"},  # dlr's, not the API's
        {"purpose": "marketing", "granted": False, "source": "fax"},
        {"purpose": "marketing", "granted": "no"},
        {"purpose": "marketing"},
        {"purpose": "marketing", "granted": True, "evidence": "x" * 501},
        {"purpose": "marketing", "granted": True, "evidence": "line\nbreak"},
        {"purpose": "marketing", "granted": True, "when": "yesterday"},
    ],
)
async def test_bad_consent_is_refused_and_records_nothing(
    contacts: httpx.AsyncClient, auth_service: AuthClient, body: dict[str, Any]
) -> None:
    _, token = await auth_service.new_account()
    contact = await _contact(contacts, token, "+447700900504")

    response = await _record(contacts, token, contact["id"], **body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (await _records(contacts, token, contact["id"])).json()["items"] == []


async def test_a_withdrawal_outlives_the_contact_s_erasure(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    erased = await _contact(contacts, token, "+447700900505")
    assert (
        await _record(contacts, token, erased["id"], purpose="marketing", granted=False)
    ).status_code == 201
    deleted = await contacts.delete(f"/v1/contacts/{erased['id']}", headers=bearer(token))
    assert deleted.status_code == 204

    again = await _contact(contacts, token, "+447700900505")

    assert again["consent"]["marketing"]["granted"] is False
    records = (await _records(contacts, token, again["id"])).json()["items"]
    assert [(r["granted"], r["contact_id"]) for r in records] == [(False, None)]

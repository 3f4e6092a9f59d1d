"""Consent records on contacts (R11) against PostgreSQL and the broker: what the account
records through the API is the contact's consent and reaches dispatch, which refuses
marketing to a number whose marketing consent was withdrawn; STOP and START replies (events
published here as dlr publishes them) are recorded on the number's contact."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from contacts_service.config import ContactsSettings
from contacts_service.main import create_app
from contacts_service.models import Inbox
from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch
from shared.events import RecipientConsentChanged, serialise_event, utcnow
from shared.kafka import new_producer
from tests.integration.contacts_support import add_contact, bearer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Contacts:
    app: FastAPI
    client: httpx.AsyncClient
    producer: AIOKafkaProducer

    async def handled(self, event_id: UUID) -> bool:
        """Whether contacts' consumer has committed the event."""
        runtime = self.app.state.runtime
        statement = select(Inbox.event_id).where(
            Inbox.consumer == runtime.settings.consumer_group, Inbox.event_id == event_id
        )
        async with runtime.sessionmaker() as session:
            return await session.scalar(statement) is not None

    async def publish(self, event: RecipientConsentChanged) -> None:
        """As dlr's outbox relay publishes it."""
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],
        )


@pytest.fixture(scope="module")
async def service(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Contacts]:
    settings = ContactsSettings(
        database_url=await databases.create("contacts"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"contacts-consent-{uuid4().hex[:8]}",
    )
    app = create_app(settings)
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(app) as client:
            yield Contacts(app, client, producer)
    finally:
        await producer.stop()


@pytest.fixture
def contacts(service: Contacts) -> httpx.AsyncClient:
    return service.client


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


def _reply(
    account_id: UUID, phone: str, opted_out: bool = True, **fields: Any
) -> RecipientConsentChanged:
    return RecipientConsentChanged(
        account_id=account_id,
        phone=phone,
        opted_out=opted_out,
        source="keyword",
        evidence=f"inbound:{uuid4()}",
        **fields,
    )


async def test_a_stop_reply_is_a_withdrawal_on_the_number_s_contact(
    service: Contacts, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    contact = await _contact(service.client, token, "+447700900511")
    others = await _contact(service.client, other, "+447700900511")
    stop = _reply(account_id, contact["phone"], occurred_at=utcnow() - timedelta(seconds=5))

    await service.publish(stop)
    assert await eventually(lambda: service.handled(stop.event_id))

    fetched = await service.client.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    marketing = fetched.json()["consent"]["marketing"]
    assert (marketing["granted"], marketing["source"]) == (False, "keyword")
    records = (await _records(service.client, token, contact["id"])).json()["items"]
    assert len(records) == 1
    assert records[0]["id"] == str(stop.event_id)
    assert records[0]["evidence"] == stop.evidence
    assert records[0]["contact_id"] == contact["id"]
    # The same number in another account opted out of nothing.
    theirs = await service.client.get(f"/v1/contacts/{others['id']}", headers=bearer(other))
    assert theirs.json()["consent"] == {"marketing": None, "transactional": None}


async def test_a_stop_before_the_contact_is_added_holds_when_it_is(
    service: Contacts, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    stop = _reply(account_id, "+447700900512")
    await service.publish(stop)
    assert await eventually(lambda: service.handled(stop.event_id))

    contact = await _contact(service.client, token, "+447700900512")

    assert contact["consent"]["marketing"]["granted"] is False
    records = (await _records(service.client, token, contact["id"])).json()["items"]
    assert [(r["source"], r["contact_id"]) for r in records] == [("keyword", None)]


async def test_a_replayed_reply_is_recorded_once(
    service: Contacts, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    contact = await _contact(service.client, token, "+447700900513")
    stop = _reply(account_id, contact["phone"], occurred_at=utcnow() - timedelta(minutes=1))
    start = _reply(account_id, contact["phone"], opted_out=False)

    # One key, so one partition, in this order: once START is handled, so are both STOPs.
    for event in (stop, stop, start):
        await service.publish(event)
    assert await eventually(lambda: service.handled(start.event_id))

    records = (await _records(service.client, token, contact["id"])).json()["items"]
    assert [(r["id"], r["granted"]) for r in records] == [
        (str(start.event_id), True),
        (str(stop.event_id), False),
    ]
    fetched = await service.client.get(f"/v1/contacts/{contact['id']}", headers=bearer(token))
    assert fetched.json()["consent"]["marketing"]["granted"] is True


async def test_what_contacts_published_itself_is_not_recorded_twice(
    service: Contacts, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    contact = await _contact(service.client, token, "+447700900514")
    recorded = await _record(
        service.client, token, contact["id"], purpose="marketing", granted=False
    )
    assert recorded.status_code == 201

    # The record's id is its event's: contacts' own consumer got the event back.
    assert await eventually(lambda: service.handled(UUID(recorded.json()["id"])))

    records = (await _records(service.client, token, contact["id"])).json()["items"]
    assert [r["id"] for r in records] == [recorded.json()["id"]]


async def test_changes_of_sources_only_contacts_publishes_are_not_taken_from_the_topic(
    service: Contacts, auth_service: AuthClient
) -> None:
    """Such an event with an id contacts never recorded (another replica's, re-driven):
    recorded where it was made, so the topic's copy is not recorded again."""
    account_id, token = await auth_service.new_account()
    contact = await _contact(service.client, token, "+447700900515")
    echoes = [
        RecipientConsentChanged(
            account_id=account_id, phone=contact["phone"], opted_out=True, source=source
        )
        for source in ("api", "web_form", "import", "link")
    ]
    for event in echoes:
        await service.publish(event)

    assert await eventually(lambda: service.handled(echoes[-1].event_id))
    assert (await _records(service.client, token, contact["id"])).json()["items"] == []


async def _token(client: httpx.AsyncClient, token: str, contact_id: str) -> httpx.Response:
    return await client.post(f"/v1/contacts/{contact_id}/unsubscribe-token", headers=bearer(token))


async def _unsubscribe(client: httpx.AsyncClient, link_token: str) -> httpx.Response:
    # No Authorization: the recipient following the link has no account.
    return await client.post("/v1/public/unsubscribe", json={"token": link_token})


async def test_an_unsubscribe_link_withdraws_marketing_once(
    service: Contacts, dispatch: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    contact = await _contact(service.client, token, "+447700900521")
    others = await _contact(service.client, other, "+447700900521")
    issued = await _token(service.client, token, contact["id"])
    assert issued.status_code == 200, issued.text
    link_token = issued.json()["token"]
    assert (await _token(service.client, token, contact["id"])).json()["token"] == link_token
    assert (await _token(service.client, other, others["id"])).json()["token"] != link_token

    first = await _unsubscribe(service.client, link_token)
    again = await _unsubscribe(service.client, link_token)

    assert (first.status_code, again.status_code) == (200, 200), first.text
    assert first.json() == {"unsubscribed": True}
    records = (await _records(service.client, token, contact["id"])).json()["items"]
    assert [(r["purpose"], r["granted"], r["source"]) for r in records] == [
        ("marketing", False, "link")
    ]

    async def refused() -> bool:
        response = await dispatch.post(
            "/v1/messages",
            json={"to": contact["phone"], "text": "Sale today", "purpose": "marketing"},
            headers=bearer(token),
        )
        return response.status_code == 422 and response.json()["code"] == "recipient_opted_out"

    assert await eventually(refused)
    # The same number in another account is still subscribed there.
    theirs = await service.client.get(f"/v1/contacts/{others['id']}", headers=bearer(other))
    assert theirs.json()["consent"]["marketing"] is None


async def test_a_made_up_unsubscribe_token_is_refused(service: Contacts) -> None:
    response = await _unsubscribe(service.client, "not-a-token-we-gave")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_unsubscribe_token"


async def test_no_token_for_another_account_s_contact(
    service: Contacts, auth_service: AuthClient
) -> None:
    _, owner = await auth_service.new_account()
    _, other = await auth_service.new_account()
    contact = await _contact(service.client, owner, "+447700900522")

    response = await _token(service.client, other, contact["id"])

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"

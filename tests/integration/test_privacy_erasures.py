"""Erasure of a recipient's number (R17, issue 11 item 5) against PostgreSQL and the broker:
contacts publishes the request, contacts, dispatch and dlr each erase or redact what they
hold and report; afterwards no table or outbox of any of them, and no export archive, holds
the number, and events about it from before the erasure, replayed, do not bring it back."""

import asyncio
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
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from contacts_service.config import ContactsSettings
from contacts_service.main import create_app as create_contacts
from contacts_service.models import Base as ContactsBase
from dispatch_service.campaigns.models import Campaign, CampaignRecipient
from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch
from dispatch_service.models import Base as DispatchBase
from dispatch_service.models import Message
from dlr_service.config import DlrSettings
from dlr_service.inbound.models import InboundPart
from dlr_service.main import create_app as create_dlr
from dlr_service.models import (
    AssignedNumber,
    InboundMessage,
    LastSend,
    PendingReceipt,
    ReceiptRecord,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from dlr_service.models import Base as DlrBase
from shared.events import (
    BatchAccepted,
    BatchedMessage,
    Event,
    MessageAccepted,
    RecipientConsentChanged,
    serialise_event,
    utcnow,
)
from shared.kafka import new_producer
from tests.integration.contacts_support import add_contact, bearer
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = "test-internal-token"
NUMBER = "+447700900321"
OTHER_NUMBER = "+447700900654"


@dataclass
class Platform:
    contacts: httpx.AsyncClient
    apps: dict[str, FastAPI]
    bases: dict[str, Any]
    export_dir: Path
    import_dir: Path
    producer: AIOKafkaProducer

    async def rows_naming(self, number: str) -> list[str]:
        """Every row of every table of the three services that holds the number."""
        found = []
        for name, app in self.apps.items():
            async with app.state.runtime.sessionmaker() as session:
                for table in self.bases[name].metadata.sorted_tables:
                    for row in (await session.execute(select(table))).all():
                        if any(number in str(value) for value in row):
                            found.append(f"{name}.{table.name}: {row}")
        return found

    def files_naming(self, number: str) -> list[Path]:
        """Export archives (read inside: they are compressed), import uploads and their
        error reports, and anything else there."""
        return [
            path
            for directory in (self.export_dir, self.import_dir)
            for path in directory.rglob("*")
            if path.is_file() and number.encode() in _contents(path)
        ]

    async def publish(self, event: Event) -> None:
        """As the service owning the event's topic would."""
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],  # type: ignore[attr-defined]
        )

    async def handled(self, service: str, event_id: UUID) -> bool:
        runtime = self.apps[service].state.runtime
        inbox = self.bases[service].metadata.tables["inbox"]
        async with runtime.sessionmaker() as session:
            statement = select(inbox.c.event_id).where(inbox.c.event_id == event_id)
            return await session.scalar(statement) is not None


@pytest.fixture(scope="module")
async def platform(
    databases: Databases,
    broker: str,
    auth_service: AuthClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Platform]:
    group = uuid4().hex[:8]
    common: dict[str, Any] = {
        "kafka_bootstrap_servers": broker,
        "jwks_url": auth_service.jwks_url,
        "environment": "test",
        "internal_token": TOKEN,
        "erasure_poll_seconds": 0.2,
    }
    dispatch = create_dispatch(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            consumer_group=f"dispatch-erasure-{group}",
            **common,
        )
    )
    dlr = create_dlr(DlrSettings(database_url=await databases.create("dlr"), **common))
    export_dir = tmp_path_factory.mktemp("exports")
    import_dir = tmp_path_factory.mktemp("imports")
    producer = new_producer(broker)
    await producer.start()
    try:
        async with served_app(dispatch) as dispatch_url, served_app(dlr) as dlr_url:
            contacts = create_contacts(
                ContactsSettings(
                    database_url=await databases.create("contacts"),
                    consumer_group=f"contacts-erasure-{group}",
                    export_dir=str(export_dir),
                    export_poll_seconds=0.2,
                    import_dir=str(import_dir),
                    import_poll_seconds=0.2,
                    dispatch_url=dispatch_url,
                    dlr_url=dlr_url,
                    **common,
                )
            )
            async with running_app(contacts) as client:
                yield Platform(
                    client,
                    {"contacts": contacts, "dispatch": dispatch, "dlr": dlr},
                    {"contacts": ContactsBase, "dispatch": DispatchBase, "dlr": DlrBase},
                    export_dir,
                    import_dir,
                    producer,
                )
    finally:
        await producer.stop()


async def _message(
    platform: Platform, account_id: UUID, to: str, text: str, status: str = "delivered"
) -> UUID:
    message = Message(
        id=uuid4(),
        account_id=account_id,
        to_number=to,
        sender="Acme",
        text=text,
        encoding="gsm7",
        segments=1,
        concat_reference=0,
        status=status,
        send_at=utcnow() + timedelta(days=1) if status == "scheduled" else None,
    )
    async with platform.apps["dispatch"].state.runtime.sessionmaker() as session:
        async with session.begin():
            session.add(message)
    return message.id


async def _reply(platform: Platform, account_id: UUID, from_number: str, text: str) -> None:
    now = utcnow()
    async with platform.apps["dlr"].state.runtime.sessionmaker() as session:
        async with session.begin():
            session.add(
                InboundMessage(
                    id=uuid4(),
                    account_id=account_id,
                    from_number=from_number,
                    to_number="+447700900000",
                    text=text,
                    received_at=now,
                )
            )
            session.add(
                LastSend(
                    sender="Acme", recipient=from_number, account_id=account_id, last_sent_at=now
                )
            )


async def _import(platform: Platform, token: str, rows: list[list[str]]) -> None:
    """An uploaded CSV, imported: its file is kept (R18: 60 days) with the numbers in it."""
    content = "\n".join(",".join(row) for row in [["Mobile", "Name"], *rows]).encode()
    created = await platform.contacts.post(
        "/v1/contacts/imports",
        files={"file": ("contacts.csv", content, "text/csv")},
        data={"mapping": json.dumps({"Mobile": "phone", "Name": "name"})},
        headers=bearer(token),
    )
    assert created.status_code == 202, created.text
    url = f"/v1/contacts/imports/{created.json()['id']}"
    async with asyncio.timeout(30):
        while (await platform.contacts.get(url, headers=bearer(token))).json()["state"] != "done":
            await asyncio.sleep(0.1)


async def _dlr_traces(platform: Platform, account_id: UUID, message_id: UUID) -> None:
    """What dlr keeps besides replies: receipts as the SMSC wrote them (matched and not yet
    matched), the parts of a long reply still waiting for the rest, and what a webhook
    endpoint answered, each naming the number."""
    now = utcnow()
    ours = f"+4479{uuid4().int % 10**8:08d}"  # one account's number, unique in the table
    async with platform.apps["dlr"].state.runtime.sessionmaker() as session:
        async with session.begin():
            session.add(
                AssignedNumber(
                    number=ours, account_id=account_id, kind="long_number", assigned_at=now
                )
            )
            raw = f"id:77 sub:001 dlvrd:001 stat:DELIVRD err:000 text:hi src:{NUMBER[1:]}"
            session.add(
                ReceiptRecord(
                    account_id=account_id,
                    message_id=message_id,
                    part_index=1,
                    smsc_message_id="77",
                    state="DELIVERED",
                    status="delivered",
                    intermediate=False,
                    raw_text=raw,
                    received_at=now,
                )
            )
            session.add(
                PendingReceipt(
                    smsc_message_id="78", state="DELIVERED", raw_text=raw, received_at=now
                )
            )
            session.add(
                InboundPart(
                    id=uuid4(),
                    smsc="default",
                    from_number=NUMBER,
                    to_number=ours,
                    reference=9,
                    total=2,
                    seq=1,
                    text="the first half of a long reply",
                    received_at=now,
                    stored_at=now,
                )
            )
            endpoint = WebhookEndpoint(
                account_id=account_id, url="https://example.com/hook", events=["*"], secret="s"
            )
            webhook_event = WebhookEvent(
                account_id=account_id, type="message.status", payload={}, occurred_at=now
            )
            session.add_all([endpoint, webhook_event])
            await session.flush()
            delivery = WebhookDelivery(
                event_id=webhook_event.id,
                endpoint_id=endpoint.id,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(delivery)
            await session.flush()
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    endpoint_id=endpoint.id,
                    event_id=webhook_event.id,
                    attempted_at=now,
                    status_code=400,
                    latency_ms=12,
                    response_body=f'{{"error": "unknown recipient {NUMBER}"}}',
                )
            )


async def _receipt_quoting_the_text(platform: Platform, account_id: UUID, message_id: UUID) -> UUID:
    """A receipt that names no number but quotes the message (`text:`): dlr knows it is the
    number's from dispatch's accepted message."""
    accepted = MessageAccepted(
        account_id=account_id,
        message_id=message_id,
        to=NUMBER,
        sender="Acme",
        encoding="gsm7",
        segments=1,
    )
    await platform.publish(accepted)
    assert await eventually(lambda: platform.handled("dlr", accepted.event_id))
    receipt = ReceiptRecord(
        account_id=account_id,
        message_id=message_id,
        part_index=1,
        smsc_message_id="79",
        state="DELIVERED",
        status="delivered",
        intermediate=False,
        raw_text="id:79 sub:001 dlvrd:001 stat:DELIVRD err:000 text:Your code is 1234",
        received_at=utcnow(),
    )
    async with platform.apps["dlr"].state.runtime.sessionmaker() as session:
        async with session.begin():
            session.add(receipt)
    return receipt.id


async def _campaign(platform: Platform, account_id: UUID, phones: list[str]) -> UUID:
    """A campaign whose audience came from contacts: its recipients wait to be released."""
    now = utcnow()
    campaign = Campaign(
        id=uuid4(),
        account_id=account_id,
        name="Spring",
        text="Hello {{name}}",
        purpose="marketing",
        group_ids=[],
        state="draft",
        audience_complete=True,
        chunks_received=1,
        recipients=len(phones),
        created_at=now,
        updated_at=now,
    )
    async with platform.apps["dispatch"].state.runtime.sessionmaker() as session:
        async with session.begin():
            session.add(campaign)
            await session.flush()
            session.add_all(
                CampaignRecipient(
                    campaign_id=campaign.id,
                    chunk_no=0,
                    position=position,
                    phone=phone,
                    fields={"name": "Ada"},
                    state="pending",
                )
                for position, phone in enumerate(phones)
            )
    return campaign.id


async def _completed(client: httpx.AsyncClient, token: str, phone: str) -> dict[str, Any]:
    created = await client.post(
        "/v1/privacy/erasures", json={"phone": phone}, headers=bearer(token)
    )
    assert created.status_code == 202, created.text
    assert created.json()["state"] == "pending"
    url = created.headers["Location"]
    async with asyncio.timeout(60):
        while (erasure := (await client.get(url, headers=bearer(token))).json())[
            "state"
        ] != "completed":
            await asyncio.sleep(0.2)
    return erasure


async def _export(client: httpx.AsyncClient, token: str, phone: str) -> None:
    created = await client.post("/v1/privacy/exports", json={"phone": phone}, headers=bearer(token))
    url = created.headers["Location"]
    async with asyncio.timeout(30):
        while (await client.get(url, headers=bearer(token))).json()["state"] != "ready":
            await asyncio.sleep(0.1)


async def test_after_an_erasure_no_table_outbox_or_archive_holds_the_number(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    other_account, other_token = await auth_service.new_account()
    contact = await add_contact(platform.contacts, token, NUMBER, name="Ada")
    consent = await platform.contacts.post(
        f"/v1/contacts/{contact.json()['id']}/consent",
        json={"purpose": "marketing", "granted": False},
        headers=bearer(token),
    )
    assert consent.status_code == 201, consent.text
    erased_message = await _message(platform, account_id, NUMBER, "Your code is 1234")
    scheduled = await _message(platform, account_id, NUMBER, "See you tomorrow", "scheduled")
    await _reply(platform, account_id, NUMBER, "thanks, Ada here")
    await _import(platform, token, [[NUMBER.replace("+44", "+44 "), "Ada"], [OTHER_NUMBER, "Bo"]])
    await _dlr_traces(platform, account_id, erased_message)
    quoting = await _receipt_quoting_the_text(platform, account_id, erased_message)
    campaign = await _campaign(platform, account_id, [NUMBER, OTHER_NUMBER])
    # The same number at another account, and another number here: both untouched.
    await add_contact(platform.contacts, other_token, NUMBER)
    await _message(platform, other_account, NUMBER, "other tenant's text")
    await _message(platform, account_id, OTHER_NUMBER, "someone else's text")
    await _export(platform.contacts, token, NUMBER)
    # The opt-out reached dispatch's projection: dispatch holds the number too.
    assert await eventually(
        lambda: _holds(platform, "dispatch", "recipient_consents", NUMBER), timeout=30
    )
    assert platform.files_naming(NUMBER)

    erasure = await _completed(platform.contacts, token, NUMBER)

    assert [(part["service"], part["completed"]) for part in erasure["services"]] == [
        ("contacts", True),
        ("dispatch", True),
        ("dlr", True),
    ]
    assert all(part["rows"] > 0 for part in erasure["services"]), erasure
    remaining = await platform.rows_naming(NUMBER)
    # What is left names the number only for the other account.
    assert all(str(other_account) in row for row in remaining), remaining
    assert len(remaining) == 2, remaining  # the other account's contact and message
    assert platform.files_naming(NUMBER) == []
    async with platform.apps["dispatch"].state.runtime.sessionmaker() as session:
        message = await session.get(Message, erased_message)
        assert message is not None
        assert (message.to_number, message.text) == ("redacted", "[redacted]")
        # Not left to go out to a redacted number.
        assert (await session.get(Message, scheduled)).status == "canceled"  # type: ignore[union-attr]
        others = await session.scalars(
            select(Message.text).where(Message.to_number == OTHER_NUMBER)
        )
        assert list(others) == ["someone else's text"]
        recipients = await session.scalars(
            select(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign)
            .order_by(CampaignRecipient.position)
        )
        # The erased one is not sent to; the other still is, personalised.
        assert [(r.phone, r.state, r.fields) for r in recipients] == [
            ("redacted", "refused", {}),
            (OTHER_NUMBER, "pending", {"name": "Ada"}),
        ]
    async with platform.apps["dlr"].state.runtime.sessionmaker() as session:
        receipt = await session.get(ReceiptRecord, quoting)
        assert receipt is not None
        assert receipt.raw_text == "[redacted]"
    # Another account does not see the request.
    response = await platform.contacts.get(
        f"/v1/privacy/erasures/{erasure['id']}", headers=bearer(other_token)
    )
    assert response.status_code == 404


async def test_events_from_before_the_erasure_replayed_do_not_bring_the_number_back(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    before = utcnow() - timedelta(minutes=5)
    await _completed(platform.contacts, token, NUMBER)

    stop = RecipientConsentChanged(
        account_id=account_id,
        phone=NUMBER,
        opted_out=True,
        source="keyword",
        occurred_at=before,
    )
    accepted = MessageAccepted(
        account_id=account_id,
        message_id=uuid4(),
        to=NUMBER,
        sender="Acme",
        encoding="gsm7",
        segments=1,
        occurred_at=before,
    )
    # A batch naming the number beside another: only the other's send is kept.
    batch = BatchAccepted(
        account_id=account_id,
        batch_id=uuid4(),
        messages=[
            BatchedMessage(message_id=uuid4(), segments=1, to=NUMBER, sender="Acme"),
            BatchedMessage(message_id=uuid4(), segments=1, to=OTHER_NUMBER, sender="Acme"),
        ],
        occurred_at=before,
    )
    await platform.publish(stop)
    await platform.publish(accepted)
    await platform.publish(batch)

    assert await eventually(lambda: platform.handled("contacts", stop.event_id))
    assert await eventually(lambda: platform.handled("dispatch", stop.event_id))
    assert await eventually(lambda: platform.handled("dlr", accepted.event_id))
    assert await eventually(lambda: platform.handled("dlr", batch.event_id))
    assert await _holds(platform, "dlr", "last_sends", OTHER_NUMBER)
    remaining = await platform.rows_naming(NUMBER)
    assert not [row for row in remaining if str(account_id) in row], remaining


async def test_a_number_nobody_holds_completes_with_zero_rows(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    erasure = await _completed(platform.contacts, token, "+44 7700 900777")

    assert [part["rows"] for part in erasure["services"]] == [0, 0, 0]


@pytest.mark.parametrize("body", [{}, {"phone": "07700 900123"}, {"phone": NUMBER, "x": 1}])
async def test_a_bad_request_is_refused_and_erases_nothing(
    platform: Platform, auth_service: AuthClient, body: dict[str, Any]
) -> None:
    _, token = await auth_service.new_account()

    response = await platform.contacts.post(
        "/v1/privacy/erasures", json=body, headers=bearer(token)
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def _holds(platform: Platform, service: str, table: str, number: str) -> bool:
    async with platform.apps[service].state.runtime.sessionmaker() as session:
        rows = (await session.execute(select(platform.bases[service].metadata.tables[table]))).all()
    return any(number in str(value) for row in rows for value in row)


def _contents(path: Path) -> bytes:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()

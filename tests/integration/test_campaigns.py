"""Campaigns (issue 11 item 4) against PostgreSQL and the broker, with contacts and dispatch
running: contacts pages the consented members of the groups to dispatch, dispatch sends
them through the batch path. What a customer notices: who is reached (consent, opt-outs,
tenancy), what they read (personalisation, the opt-out line), and the lifecycle."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI
from sqlalchemy import select, update

from contacts_service.config import ContactsSettings
from contacts_service.main import create_app as create_contacts
from dispatch_service.campaigns.models import Campaign, CampaignRecipient
from dispatch_service.config import DispatchSettings
from dispatch_service.db import Inbox
from dispatch_service.main import create_app as create_dispatch
from dispatch_service.messages.models import Message
from shared.events import (
    AccountState,
    AccountStateChanged,
    AudienceRecipient,
    AuditRecorded,
    CampaignAudienceChunk,
    parse_event,
    serialise_event,
)
from shared.kafka import new_producer
from tests.integration.contacts_support import add_contact, bearer
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

# More recipients than this need mass mailing enabled (R10); the tests below stay under it
# except the one about the permission.
BULK_THRESHOLD = 3
# dispatch shows it to billing's internal prices route for campaign quotes.
INTERNAL_TOKEN = "campaigns-internal-token"


@dataclass
class Stack:
    contacts: httpx.AsyncClient
    dispatch: httpx.AsyncClient
    dispatch_app: FastAPI

    async def handled(self, event_id: UUID) -> bool:
        """Whether dispatch's consumer has committed the event."""
        runtime = self.dispatch_app.state.runtime
        async with runtime.sessionmaker() as session:
            found = await session.scalar(
                select(Inbox.event_id).where(
                    Inbox.consumer == runtime.settings.consumer_group, Inbox.event_id == event_id
                )
            )
            return found is not None

    async def send_at_passes(self, campaign_id: str) -> None:
        """The clock moved past the campaign's send_at (its send_at moved into the past),
        and the releaser, polling every 0.1 s, has had a good many rounds since."""
        sessionmaker = self.dispatch_app.state.runtime.sessionmaker
        async with sessionmaker() as session:
            await session.execute(
                update(Campaign)
                .where(Campaign.id == UUID(campaign_id))
                .values(send_at=datetime.now(UTC) - timedelta(minutes=1))
            )
            await session.commit()
        await asyncio.sleep(1.5)

    async def texts(self, campaign_id: str) -> dict[str, str]:
        """The campaign's messages as dispatch stored them, text by number."""
        sessionmaker = self.dispatch_app.state.runtime.sessionmaker
        async with sessionmaker() as session:
            rows = await session.execute(
                select(Message.to_number, Message.text)
                .join(CampaignRecipient, CampaignRecipient.message_id == Message.id)
                .where(CampaignRecipient.campaign_id == UUID(campaign_id))
            )
            return dict(rows.all())


@pytest.fixture(scope="module")
async def stack(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Stack]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as create_billing

    tag = uuid4().hex[:8]
    # Billing answers the quote's prices (flat); its consumers are not needed here.
    billing = create_billing(
        BillingSettings(
            database_url=await databases.create("billing"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            price_per_part=Decimal("0.0475"),
            currency="GBP",
            environment="test",
            internal_token=INTERNAL_TOKEN,
        )
    )
    billing.state.runtime.consumer_specs = ()
    contacts_settings = ContactsSettings(
        database_url=await databases.create("contacts"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"contacts-campaigns-{tag}",
        # Two recipients a chunk: every audience of more than one spans several chunks.
        campaign_audience_chunk_size=2,
        campaign_audience_poll_seconds=0.1,
    )
    dispatch_db = await databases.create("dispatch")
    async with served_app(billing) as billing_url:
        dispatch_app = create_dispatch(
            DispatchSettings(
                database_url=dispatch_db,
                billing_url=billing_url,
                internal_token=INTERNAL_TOKEN,
                kafka_bootstrap_servers=broker,
                jwks_url=auth_service.jwks_url,
                environment="test",
                consumer_group=f"dispatch-campaigns-{tag}",
                sender_approval_required=False,
                bulk_recipients_threshold=BULK_THRESHOLD,
                campaign_release_batch_size=2,
                campaign_poll_seconds=0.1,
            )
        )
        async with (
            running_app(create_contacts(contacts_settings)) as contacts,
            running_app(dispatch_app) as dispatch,
        ):
            yield Stack(contacts, dispatch, dispatch_app)


async def _publish(
    producer: AIOKafkaProducer, event: AccountStateChanged | CampaignAudienceChunk
) -> None:
    """As a service's outbox relay publishes it."""
    await producer.send_and_wait(
        event.topic,
        value=serialise_event(event),
        key=event.aggregate_id.encode(),
        headers=[("event_type", event.type.encode())],
    )


async def _audit_actions(broker: str, account_id: UUID, campaign_id: str) -> list[str]:
    """The audit actions on the campaign published so far, in order (one account's records
    share a partition)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = AuditRecorded.topic
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        actions: list[str] = []
        async with asyncio.timeout(20):
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    for record in batch:
                        event = parse_event(record.value)
                        if (
                            isinstance(event, AuditRecorded)
                            and event.account_id == account_id
                            and event.object_id == campaign_id
                        ):
                            actions.append(event.action)
        return actions
    finally:
        await consumer.stop()


async def _contact(stack: Stack, token: str, phone: str, **fields: Any) -> str:
    created = await add_contact(stack.contacts, token, phone, **fields)
    assert created.status_code == 201, created.text
    contact_id: str = created.json()["id"]
    return contact_id


def _consented() -> dict[str, str]:
    return {"consented_at": "2026-11-01T10:00:00+00:00", "consent_source": "signup form"}


async def _consent(stack: Stack, token: str, contact_id: str, granted: bool) -> None:
    recorded = await stack.contacts.post(
        f"/v1/contacts/{contact_id}/consent",
        json={"purpose": "marketing", "granted": granted, "source": "api"},
        headers=bearer(token),
    )
    assert recorded.status_code == 201, recorded.text


async def _group(stack: Stack, token: str, contact_ids: list[str]) -> str:
    group = await stack.contacts.post(
        "/v1/contacts/groups", json={"name": f"g-{uuid4().hex[:8]}"}, headers=bearer(token)
    )
    assert group.status_code == 201, group.text
    group_id: str = group.json()["id"]
    if contact_ids:
        added = await stack.contacts.post(
            f"/v1/contacts/groups/{group_id}/members",
            json={"contact_ids": contact_ids},
            headers=bearer(token),
        )
        assert added.status_code == 200, added.text
    return group_id


async def _create(stack: Stack, token: str, group_ids: list[str], **body: Any) -> dict[str, Any]:
    created = await stack.dispatch.post(
        "/v1/campaigns",
        json={"name": "Winter sale", "text": "Hi {{name}}, 20% off", "group_ids": group_ids} | body,
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    campaign: dict[str, Any] = created.json()
    assert campaign["state"] == "draft"
    return campaign


async def _get(stack: Stack, token: str, campaign_id: str) -> dict[str, Any]:
    got = await stack.dispatch.get(f"/v1/campaigns/{campaign_id}", headers=bearer(token))
    assert got.status_code == 200, got.text
    campaign: dict[str, Any] = got.json()
    return campaign


async def _ready(stack: Stack, token: str, campaign_id: str) -> dict[str, Any]:
    """The draft once contacts has sent its whole audience."""

    async def complete() -> bool:
        return bool((await _get(stack, token, campaign_id))["audience_complete"])

    assert await eventually(complete, timeout=30)
    return await _get(stack, token, campaign_id)


async def _act(stack: Stack, token: str, campaign_id: str, action: str) -> httpx.Response:
    return await stack.dispatch.post(f"/v1/campaigns/{campaign_id}/{action}", headers=bearer(token))


async def _finished(stack: Stack, token: str, campaign_id: str) -> dict[str, Any]:
    async def done() -> bool:
        return (await _get(stack, token, campaign_id))["state"] == "completed"

    assert await eventually(done, timeout=30)
    return await _get(stack, token, campaign_id)


async def test_a_campaign_reaches_consented_members_personalised_with_the_opt_out_line(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    ann = await _contact(stack, token, "+447700900601", name="Ann", **_consented())
    bob = await _contact(stack, token, "+447700900602", name="Bob")
    await _consent(stack, token, bob, granted=True)
    never_asked = await _contact(stack, token, "+447700900603", name="Cid")
    withdrew = await _contact(stack, token, "+447700900604", name="Dee", **_consented())
    await _consent(stack, token, withdrew, granted=False)
    nameless = await _contact(stack, token, "+447700900605", **_consented())
    await _contact(stack, token, "+447700900606", name="Eve", **_consented())  # in no group
    first = await _group(stack, token, [ann, bob, never_asked])
    second = await _group(stack, token, [ann, withdrew, nameless])  # Ann in both: once

    campaign = await _create(stack, token, [first, second])
    assert campaign["text"] == "Hi {{name}}, 20% off\nReply STOP to opt out"
    draft = await _ready(stack, token, campaign["id"])
    assert draft["recipients"] == 3
    # A part each, at billing's flat 0.0475.
    quote = draft["quote"]
    assert (quote["segments"], quote["total_price"], quote["currency"]) == (3, "0.1425", "GBP")
    assert quote["note"] is None

    started = await _act(stack, token, campaign["id"], "start")
    assert started.status_code == 200, started.text
    assert started.json()["state"] == "sending"
    done = await _finished(stack, token, campaign["id"])
    assert done["released"] == 3
    assert done["counts"]["pending"] == 0
    assert sum(done["counts"]["messages"].values()) == 3
    assert await stack.texts(campaign["id"]) == {
        "+447700900601": "Hi Ann, 20% off\nReply STOP to opt out",
        "+447700900602": "Hi Bob, 20% off\nReply STOP to opt out",
        "+447700900605": "Hi , 20% off\nReply STOP to opt out",
    }


async def test_custom_fields_personalise_and_only_the_named_fields_travel(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    for key, kind in (("points", "number"), ("secret", "text")):
        made = await stack.contacts.post(
            "/v1/contacts/fields", json={"key": key, "type": kind}, headers=bearer(token)
        )
        assert made.status_code == 201, made.text
    ann = await _contact(
        stack,
        token,
        "+447700900691",
        name="Ann",
        email="ann@example.com",
        custom={"points": 120, "secret": "not for texts"},
        **_consented(),
    )
    group = await _group(stack, token, [ann])
    campaign = await _create(
        stack, token, [group], text="{{name}}, you have {{points}} points", purpose="transactional"
    )
    await _ready(stack, token, campaign["id"])
    sessionmaker = stack.dispatch_app.state.runtime.sessionmaker
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(CampaignRecipient.fields).where(
                CampaignRecipient.campaign_id == UUID(campaign["id"])
            )
        )
    # Neither the e-mail nor the other field came over: the text names neither.
    assert stored == {"name": "Ann", "points": "120"}
    assert (await _act(stack, token, campaign["id"], "start")).status_code == 200
    await _finished(stack, token, campaign["id"])
    assert await stack.texts(campaign["id"]) == {"+447700900691": "Ann, you have 120 points"}


async def test_texts_with_their_own_opt_out_and_transactional_ones_get_no_line(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    ann = await _contact(stack, token, "+447700900611", name="Ann", **_consented())
    group = await _group(stack, token, [ann])
    own = await _create(stack, token, [group], text="Sale! Text STOP to 60123 to end")
    assert own["text"] == "Sale! Text STOP to 60123 to end"
    line = await _create(stack, token, [group], opt_out_line="Unsubscribe: acme.example/u")
    assert line["text"] == "Hi {{name}}, 20% off\nUnsubscribe: acme.example/u"
    notice = await _create(
        stack, token, [group], text="Your order shipped", purpose="transactional"
    )
    assert notice["text"] == "Your order shipped"
    misspelt = await stack.dispatch.post(
        "/v1/campaigns",
        json={"name": "x", "text": "Hi {{ Name }}", "group_ids": [group]},
        headers=bearer(token),
    )
    assert misspelt.status_code == 422
    assert misspelt.json()["code"] == "invalid_placeholder"


async def test_a_number_opted_out_after_the_audience_was_listed_is_not_sent_to(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    stays = await _contact(stack, token, "+447700900621", name="Ann", **_consented())
    leaves = await _contact(stack, token, "+447700900622", name="Bob", **_consented())
    group = await _group(stack, token, [stays, leaves])
    campaign = await _create(stack, token, [group])
    assert (await _ready(stack, token, campaign["id"]))["recipients"] == 2

    await _consent(stack, token, leaves, granted=False)

    async def dispatch_knows() -> bool:
        sent = await stack.dispatch.post(
            "/v1/messages",
            json={"to": "+447700900622", "text": "probe", "purpose": "marketing"},
            headers=bearer(token),
        )
        return sent.status_code == 422 and sent.json()["code"] == "recipient_opted_out"

    assert await eventually(dispatch_knows)
    assert (await _act(stack, token, campaign["id"], "start")).status_code == 200
    done = await _finished(stack, token, campaign["id"])
    assert done["counts"]["refused"] == 1
    assert list(await stack.texts(campaign["id"])) == ["+447700900621"]


async def test_pause_holds_a_scheduled_campaign_until_resumed(
    stack: Stack, broker: str, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    ann = await _contact(stack, token, "+447700900631", name="Ann", **_consented())
    group = await _group(stack, token, [ann])
    send_at = datetime.now(UTC) + timedelta(hours=1)
    campaign = await _create(stack, token, [group], send_at=send_at.isoformat())
    campaign_id = campaign["id"]
    paused_draft = await _act(stack, token, campaign_id, "pause")
    assert paused_draft.status_code == 409
    assert paused_draft.json()["code"] == "campaign_state_conflict"
    await _ready(stack, token, campaign_id)

    started = await _act(stack, token, campaign_id, "start")
    assert started.json()["state"] == "scheduled"
    paused = await _act(stack, token, campaign_id, "pause")
    assert paused.status_code == 200
    assert paused.json()["state"] == "paused"
    await stack.send_at_passes(campaign_id)
    held = await _get(stack, token, campaign_id)
    assert held["state"] == "paused"
    assert held["released"] == 0

    resumed = await _act(stack, token, campaign_id, "resume")
    assert resumed.status_code == 200
    assert resumed.json()["state"] == "sending"  # its send_at has passed
    done = await _finished(stack, token, campaign_id)
    assert done["released"] == 1
    again = await _act(stack, token, campaign_id, "cancel")
    assert again.status_code == 409
    assert again.json()["code"] == "campaign_state_conflict"

    async def audited() -> bool:
        return await _audit_actions(broker, account_id, campaign_id) == [
            "campaign.started",
            "campaign.paused",
            "campaign.resumed",
        ]

    # In the account's audit log (by auth, from audit.records), only what changed something.
    assert await eventually(audited, timeout=20, every=1)


async def test_a_cancelled_campaign_sends_nothing_more(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    ann = await _contact(stack, token, "+447700900641", name="Ann", **_consented())
    group = await _group(stack, token, [ann])
    send_at = datetime.now(UTC) + timedelta(hours=1)
    campaign = await _create(stack, token, [group], send_at=send_at.isoformat())
    await _ready(stack, token, campaign["id"])
    assert (await _act(stack, token, campaign["id"], "start")).json()["state"] == "scheduled"
    cancelled = await _act(stack, token, campaign["id"], "cancel")
    assert cancelled.json()["state"] == "cancelled"
    resumed = await _act(stack, token, campaign["id"], "resume")
    assert resumed.status_code == 409
    await stack.send_at_passes(campaign["id"])
    assert (await _get(stack, token, campaign["id"]))["released"] == 0


async def test_a_campaign_to_an_empty_group_cannot_start(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    group = await _group(stack, token, [])
    campaign = await _create(stack, token, [group])
    draft = await _ready(stack, token, campaign["id"])
    assert draft["recipients"] == 0
    refused = await _act(stack, token, campaign["id"], "start")
    assert refused.status_code == 422
    assert refused.json()["code"] == "campaign_empty"
    assert (await _get(stack, token, campaign["id"]))["state"] == "draft"


async def test_more_recipients_than_the_threshold_need_bulk_permission(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    members = [
        await _contact(stack, token, f"+44770090065{n}", name=f"N{n}", **_consented())
        for n in range(BULK_THRESHOLD + 1)
    ]
    group = await _group(stack, token, members)
    campaign = await _create(stack, token, [group])
    assert (await _ready(stack, token, campaign["id"]))["recipients"] == BULK_THRESHOLD + 1
    refused = await _act(stack, token, campaign["id"], "start")
    assert refused.status_code == 403
    assert refused.json()["code"] == "bulk_not_enabled"
    assert (await _get(stack, token, campaign["id"]))["state"] == "draft"


async def test_each_account_sees_and_reaches_only_its_own(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, mine = await auth_service.new_account()
    _, theirs = await auth_service.new_account()
    their_contact = await _contact(stack, theirs, "+447700900661", name="Zed", **_consented())
    their_group = await _group(stack, theirs, [their_contact])
    their_campaign = await _create(stack, theirs, [their_group])

    # My campaign naming their group reaches nobody.
    mine_to_theirs = await _create(stack, mine, [their_group])
    assert (await _ready(stack, mine, mine_to_theirs["id"]))["recipients"] == 0
    # Their campaign is not found for me, whatever I try.
    for action in ("start", "pause", "cancel"):
        answer = await _act(stack, mine, their_campaign["id"], action)
        assert answer.status_code == 404
    got = await stack.dispatch.get(f"/v1/campaigns/{their_campaign['id']}", headers=bearer(mine))
    assert got.status_code == 404
    listed = await stack.dispatch.get("/v1/campaigns", headers=bearer(mine))
    assert [item["id"] for item in listed.json()["items"]] == [mine_to_theirs["id"]]
    assert (await _ready(stack, theirs, their_campaign["id"]))["recipients"] == 1


async def test_the_list_pages_newest_first(stack: Stack, auth_service: AuthClient) -> None:
    _, token = await auth_service.new_account()
    group = await _group(stack, token, [])
    created = [(await _create(stack, token, [group], name=f"c{n}"))["id"] for n in range(3)]
    first = (await stack.dispatch.get("/v1/campaigns?limit=2", headers=bearer(token))).json()
    assert [item["id"] for item in first["items"]] == created[::-1][:2]
    rest = await stack.dispatch.get(
        "/v1/campaigns", params={"limit": 2, "cursor": first["next_cursor"]}, headers=bearer(token)
    )
    assert [item["id"] for item in rest.json()["items"]] == [created[0]]
    assert rest.json()["next_cursor"] is None
    bad = await stack.dispatch.get("/v1/campaigns?cursor=nonsense", headers=bearer(token))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_cursor"


async def test_a_suspended_account_s_campaign_waits_and_goes_on_when_reactivated(
    stack: Stack, broker: str, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    ann = await _contact(stack, token, "+447700900671", name="Ann", **_consented())
    group = await _group(stack, token, [ann])
    template = await stack.dispatch.post(
        "/v1/templates", json={"name": "sale", "text": "Hello {{name}}"}, headers=bearer(token)
    )
    assert template.status_code == 201, template.text
    send_at = datetime.now(UTC) + timedelta(hours=1)
    campaign = await _create(
        stack,
        token,
        [group],
        text=None,
        template_id=template.json()["id"],
        send_at=send_at.isoformat(),
    )
    assert campaign["text"] == "Hello {{name}}\nReply STOP to opt out"
    await _ready(stack, token, campaign["id"])
    assert (await _act(stack, token, campaign["id"], "start")).json()["state"] == "scheduled"

    async def publish(state: AccountState) -> None:
        # As auth's outbox relay publishes an operator's decision.
        event = AccountStateChanged(account_id=account_id, state=state, reason="unpaid")
        await _publish(producer, event)

    async def refused(code: str | None) -> bool:
        sent = await stack.dispatch.post(
            "/v1/messages",
            json={"to": "+447700900679", "text": "probe", "purpose": "transactional"},
            headers=bearer(token),
        )
        return sent.json().get("code") == code if code else sent.status_code == 202

    producer = new_producer(broker)
    await producer.start()
    try:
        await publish("suspended")
        assert await eventually(lambda: refused("account_suspended"))
        await stack.send_at_passes(campaign["id"])
        waiting = await _get(stack, token, campaign["id"])
        assert waiting["released"] == 0
        assert waiting["counts"]["pending"] == 1
        await publish("active")
        assert await eventually(lambda: refused(None))
    finally:
        await producer.stop()
    done = await _finished(stack, token, campaign["id"])
    assert await stack.texts(campaign["id"]) == {
        "+447700900671": "Hello Ann\nReply STOP to opt out"
    }
    assert done["released"] == 1


async def test_a_template_the_account_lacks_is_refused(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    group = await _group(stack, token, [])
    refused = await stack.dispatch.post(
        "/v1/campaigns",
        json={"name": "x", "template_id": str(uuid4()), "group_ids": [group]},
        headers=bearer(token),
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_template"
    listed = await stack.dispatch.get("/v1/campaigns", headers=bearer(token))
    assert listed.json()["items"] == []


async def test_a_chunk_delivered_twice_is_stored_once(
    stack: Stack, broker: str, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    ann = await _contact(stack, token, "+447700900681", name="Ann", **_consented())
    group = await _group(stack, token, [ann])
    campaign = await _create(stack, token, [group])
    assert (await _ready(stack, token, campaign["id"]))["recipients"] == 1
    # Chunk 0 again, as a relay retry past the inbox would bring it (a new event id).
    again = CampaignAudienceChunk(
        account_id=account_id,
        campaign_id=UUID(campaign["id"]),
        chunk_no=0,
        recipients=[AudienceRecipient(phone="+447700900689", fields={"name": "Imposter"})],
        last=True,
    )
    producer = new_producer(broker)
    await producer.start()
    try:
        await _publish(producer, again)
        assert await eventually(lambda: stack.handled(again.event_id))
    finally:
        await producer.stop()
    assert (await _act(stack, token, campaign["id"], "start")).status_code == 200
    await _finished(stack, token, campaign["id"])
    assert list(await stack.texts(campaign["id"])) == ["+447700900681"]

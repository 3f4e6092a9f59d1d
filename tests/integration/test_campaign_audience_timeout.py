"""A campaign whose audience never comes (issue 11 item 4), against PostgreSQL and the
broker: dispatch asks contacts again after the timeout, each time as a new generation, and
after the last try the campaign is `failed` with its reason; contacts answering late (it was
down) gives the audience exactly once, however many times it was asked."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from contacts_service.config import ContactsSettings
from contacts_service.main import create_app as create_contacts
from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch
from shared.events import CampaignAudienceRequested, parse_event
from tests.integration.contacts_support import add_contact, bearer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@asynccontextmanager
async def _dispatch(
    databases: Databases, broker: str, auth: AuthClient, timeout: float, tries: int
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_dispatch(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth.jwks_url,
            environment="test",
            consumer_group=f"dispatch-audience-timeout-{uuid4().hex[:8]}",
            sender_approval_required=False,
            campaign_poll_seconds=0.1,
            campaign_audience_timeout_seconds=timeout,
            campaign_audience_max_requests=tries,
        )
    )
    async with running_app(app) as client:
        yield client


async def _create(dispatch: httpx.AsyncClient, token: str, group_ids: list[str]) -> str:
    created = await dispatch.post(
        "/v1/campaigns",
        json={"name": "Winter sale", "text": "Hi {{name}}", "group_ids": group_ids},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    campaign_id: str = created.json()["id"]
    return campaign_id


async def _get(dispatch: httpx.AsyncClient, token: str, campaign_id: str) -> dict[str, Any]:
    got = await dispatch.get(f"/v1/campaigns/{campaign_id}", headers=bearer(token))
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def _requests(broker: str, campaign_id: str) -> list[CampaignAudienceRequested]:
    """The audience requests for the campaign published so far, in order (one campaign's
    on one partition)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = CampaignAudienceRequested.topic
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[CampaignAudienceRequested] = []
        async with asyncio.timeout(20):
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    for record in batch:
                        event = parse_event(record.value)
                        if (
                            isinstance(event, CampaignAudienceRequested)
                            and str(event.campaign_id) == campaign_id
                        ):
                            found.append(event)
        return found
    finally:
        await consumer.stop()


async def test_an_audience_that_never_comes_is_asked_again_then_the_campaign_fails(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    # No contacts service runs: nobody answers.
    async with _dispatch(databases, broker, auth_service, timeout=0.5, tries=3) as dispatch:
        campaign_id = await _create(dispatch, token, [str(uuid4())])

        async def failed() -> bool:
            return (await _get(dispatch, token, campaign_id))["state"] == "failed"

        assert await eventually(failed, timeout=30)
        campaign = await _get(dispatch, token, campaign_id)
        started = await dispatch.post(f"/v1/campaigns/{campaign_id}/start", headers=bearer(token))

    assert campaign["failure_reason"] == (
        "The audience did not come from contacts after 3 requests; create the campaign again"
    )
    assert (campaign["audience_complete"], campaign["recipients"]) == (False, 0)
    assert started.status_code == 409, started.text
    # Asked three times in all, each a generation of its own, and no more after failing.
    requests = await _requests(broker, campaign_id)
    assert [request.generation for request in requests] == [0, 1, 2]
    assert {request.fields == ["name"] for request in requests} == {True}


async def test_contacts_answering_late_gives_the_audience_once_however_often_asked(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    settings = ContactsSettings(
        database_url=await databases.create("contacts"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"contacts-audience-timeout-{uuid4().hex[:8]}",
        campaign_audience_chunk_size=2,
        campaign_audience_poll_seconds=0.1,
    )
    # The contacts of the account, put in while contacts consumes nothing (it is "down").
    setup_app = create_contacts(settings)
    setup_app.state.runtime.consumer_specs = ()
    phones = [f"+4477009{n:05d}" for n in range(5)]
    async with _dispatch(databases, broker, auth_service, timeout=2.0, tries=50) as dispatch:
        async with running_app(setup_app) as contacts:
            ids = []
            for phone in phones:
                created = await add_contact(
                    contacts,
                    token,
                    phone,
                    name=f"Person {phone[-1]}",
                    consented_at="2026-11-01T10:00:00+00:00",
                    consent_source="signup form",
                )
                assert created.status_code == 201, created.text
                ids.append(created.json()["id"])
            group = await contacts.post(
                "/v1/contacts/groups", json={"name": "all"}, headers=bearer(token)
            )
            group_id = group.json()["id"]
            added = await contacts.post(
                f"/v1/contacts/groups/{group_id}/members",
                json={"contact_ids": ids},
                headers=bearer(token),
            )
            assert added.status_code == 200, added.text
        # Contacts is down when the campaign asks, and stays down past a re-request.
        campaign_id = await _create(dispatch, token, [group_id])

        async def asked_again() -> bool:
            return len(await _requests(broker, campaign_id)) >= 2

        assert await eventually(asked_again, timeout=30)
        async with running_app(create_contacts(settings)):

            async def complete() -> bool:
                return bool((await _get(dispatch, token, campaign_id))["audience_complete"])

            assert await eventually(complete, timeout=60)
            campaign = await _get(dispatch, token, campaign_id)
            started = await dispatch.post(
                f"/v1/campaigns/{campaign_id}/start", headers=bearer(token)
            )

    # Every member once: the older generations' chunks did not add to the newer one's.
    assert (campaign["state"], campaign["recipients"]) == ("draft", 5), campaign
    assert campaign["failure_reason"] is None
    assert started.status_code == 200, started.text

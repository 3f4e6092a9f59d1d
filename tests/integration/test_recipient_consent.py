"""Recipients' opt-outs at dispatch's intake, against the real dispatch app, PostgreSQL and
the broker: `recipient.consent_changed` events (published here directly, as dlr does for a
STOP reply) refuse the account's marketing messages to that number and nothing else."""

import asyncio
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

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from dispatch_service.models import Inbox
from shared.events import RecipientConsentChanged, serialise_event, utcnow
from shared.kafka import new_producer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30
HANDSET = "+447700900321"


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient
    producer: AIOKafkaProducer

    async def send(self, token: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            "/v1/messages",
            json={"to": HANDSET, "text": "Sale today", **body},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def batch(self, token: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            "/v1/messages/batch",
            json={"text": "Sale today", "to": ["+447700900401", HANDSET], **body},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def applied(self, event: RecipientConsentChanged) -> None:
        """Publish as dlr would, and wait until dispatch's inbox holds it."""
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],
        )
        settings = self.app.state.runtime.settings
        statement = select(Inbox.event_id).where(
            Inbox.consumer == settings.consumer_group, Inbox.event_id == event.event_id
        )
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                async with self.app.state.runtime.sessionmaker() as session:
                    if await session.scalar(statement) is not None:
                        return
                await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-consent-{uuid4().hex[:8]}",
        sender_approval_required=False,
    )
    app = create_app(settings)
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(app) as client:
            yield Dispatch(app, client, producer)
    finally:
        await producer.stop()


def _stop(account_id: UUID, opted_out: bool = True, **fields: Any) -> RecipientConsentChanged:
    return RecipientConsentChanged(
        account_id=account_id,
        phone=HANDSET,
        opted_out=opted_out,
        source="keyword",
        **{"evidence": "STOP" if opted_out else "START", **fields},
    )


async def test_an_opted_out_number_gets_no_marketing_but_still_transactional(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    assert (await dispatch.send(token, purpose="marketing")).status_code == 202

    await dispatch.applied(_stop(account_id))

    refused = await dispatch.send(token, purpose="marketing")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "recipient_opted_out"
    # Transactional is the default of a single message: codes and notices still go.
    receipt = await dispatch.send(token, text="Your order shipped")
    assert receipt.status_code == 202, receipt.text
    assert receipt.json()["purpose"] == "transactional"
    # A batch is marketing unless it says otherwise: the number is left out, the rest go.
    batch = await dispatch.batch(token)
    assert batch.status_code == 202, batch.text
    assert [m["to"] for m in batch.json()["messages"]] == ["+447700900401"]
    assert [(r["index"], r["code"]) for r in batch.json()["rejected"]] == [
        (1, "recipient_opted_out")
    ]
    notice = await dispatch.batch(token, purpose="transactional")
    assert notice.status_code == 202, notice.text
    assert notice.json()["accepted"] == 2


async def test_one_accounts_opt_out_is_not_anothers(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    opted_out_of, _ = await auth_service.new_account()
    _, other = await auth_service.new_account()

    await dispatch.applied(_stop(opted_out_of))

    assert (await dispatch.send(other, purpose="marketing")).status_code == 202


async def test_start_opts_back_in_and_an_older_stop_replayed_changes_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    stop = _stop(account_id, occurred_at=utcnow() - timedelta(minutes=5))
    await dispatch.applied(stop)
    assert (await dispatch.send(token, purpose="marketing")).status_code == 422

    await dispatch.applied(_stop(account_id, opted_out=False))
    assert (await dispatch.send(token, purpose="marketing")).status_code == 202

    # The old STOP again, as a new event (a replay from another consumer's dead letters):
    # older than the START, so the START stands.
    await dispatch.applied(_stop(account_id, occurred_at=stop.occurred_at))
    assert (await dispatch.send(token, purpose="marketing")).status_code == 202

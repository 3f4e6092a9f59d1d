"""Races a real deployment meets: clients retrying at once, one account spending faster than
billing answers, and clients polling a message while its receipts are applied.

The real dispatch and billing apps run against their own PostgreSQL databases and talk over
the broker exactly as in production: POST /v1/messages → message.accepted → billing's charge →
charge.authorized/declined → dispatch.
"""

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from dispatch_service.config import DispatchSettings
from dispatch_service.expiry import service as expiry
from dispatch_service.expiry.service import ReceiptDeadline
from dispatch_service.main import create_app as create_dispatch_app
from dispatch_service.messages import repository
from dispatch_service.messages.status import MESSAGE_FINAL, aggregate
from shared.db import session_scope
from shared.events import Event, MessagePartStatusReported, serialise_event, utcnow
from shared.kafka import new_producer
from shared.runtime import ServiceRuntime
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 60
# Starter credit covers exactly ten parts.
STARTER_CREDIT, PRICE_PER_PART = Decimal("0.50"), Decimal("0.05")
AFFORDABLE = 10
LONG_TEXT = "x" * 400  # three parts
LONGEST_TEXT = "x" * 1530  # ten parts

_MESSAGE_RANK: dict[str, int] = {
    "accepted": 0,
    "queued": 1,
    "sent": 2,
    **dict.fromkeys(MESSAGE_FINAL, 3),
}
_PART_RANK = {"pending": 0, "queued": 1, "sent": 2}  # every final part status ranks 3


@dataclass
class Platform:
    dispatch_app: FastAPI
    dispatch: httpx.AsyncClient
    billing: httpx.AsyncClient
    producer: AIOKafkaProducer

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.dispatch_app.state.runtime
        return runtime

    async def send(self, token: str, idempotency_key: str | None = None, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return await self.dispatch.post("/v1/messages", json=body, headers=headers)

    async def message(self, token: str, message_id: str) -> dict[str, Any]:
        response = await self.dispatch.get(
            f"/v1/messages/{message_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def wait_for(self, token: str, message_id: str, statuses: set[str]) -> dict[str, Any]:
        async with asyncio.timeout(WAIT_SECONDS):
            while (message := await self.message(token, message_id))["status"] not in statuses:
                await asyncio.sleep(0.1)
        return message

    async def customer(self, auth: AuthClient, company: str = "Acme") -> tuple[UUID, str]:
        """A new account once billing has granted its starter credit: a message charged
        before that would be declined (credit waits for the e-mail's verification, which
        the test platform's `open` sign-up publishes with the registration)."""
        account_id, token = await auth.new_account(company)
        async with asyncio.timeout(WAIT_SECONDS):
            while Decimal(await self.balance(token)) != STARTER_CREDIT:
                await asyncio.sleep(0.05)
        return account_id, token

    async def balance(self, token: str) -> str:
        response = await self.billing.get(
            "/v1/billing/balance", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        balance: str = response.json()["balance"]
        return balance

    async def charges(self, token: str) -> list[str]:
        response = await self.billing.get(
            "/v1/billing/transactions", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return [e["message_id"] for e in response.json()["items"] if e["kind"] == "charge"]

    async def publish(self, event: Event) -> None:
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],  # type: ignore[attr-defined]
        )


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as create_billing_app

    if databases.backend != "postgresql":
        pytest.skip("races need PostgreSQL's row locks; SQLite runs one writer at a time")
    dispatch_settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-races-{uuid4().hex[:8]}",
    )
    billing_settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=STARTER_CREDIT,
        price_per_part=PRICE_PER_PART,
        environment="test",
        # Its own group: a group the replicas left behind would hold up test_billing's join.
        consumer_group=f"billing-races-{uuid4().hex[:8]}",
    )
    producer = new_producer(broker)
    await producer.start()
    dispatch_app = create_dispatch_app(dispatch_settings)
    try:
        # Two billing replicas on one database, sharing the partitions of dispatch.messages
        # between them: one account's charges are made by both at once.
        async with (
            running_app(dispatch_app) as dispatch,
            running_app(create_billing_app(billing_settings)) as billing,
            running_app(create_billing_app(billing_settings)),
        ):
            yield Platform(dispatch_app, dispatch, billing, producer)
    finally:
        await producer.stop()


async def test_fifty_identical_retries_make_one_message_and_one_charge(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    body = {"to": "+447700900123", "text": LONG_TEXT}

    responses = await asyncio.gather(
        *(platform.send(token, idempotency_key="retry-storm", **body) for _ in range(50))
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 49 + [202], [r.text for r in responses if r.status_code >= 300]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    (message_id,) = ids
    replays = [r for r in responses if r.status_code == 200]
    assert all(r.headers["idempotent-replayed"] == "true" for r in replays)
    queued = await platform.wait_for(token, message_id, {"queued", "rejected"})
    assert queued["status"] == "queued"
    assert await platform.charges(token) == [message_id]
    assert await platform.balance(token) == "0.35"  # 0.50 - 3 parts x 0.05


async def test_concurrent_sends_beyond_the_balance_charge_only_what_it_covers(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    attempts = AFFORDABLE + 10

    responses = await asyncio.gather(
        *(platform.send(token, to="+447700900123", text=f"n{i}") for i in range(attempts))
    )

    assert [r.status_code for r in responses] == [202] * attempts
    outcomes = [
        await platform.wait_for(token, r.json()["id"], {"queued", "rejected"}) for r in responses
    ]
    queued = [m["id"] for m in outcomes if m["status"] == "queued"]
    rejected = [m for m in outcomes if m["status"] == "rejected"]
    assert len(queued) == AFFORDABLE
    assert {m["error_code"] for m in rejected} == {"insufficient_funds"}
    assert len(rejected) == attempts - AFFORDABLE
    assert await platform.balance(token) == "0.00"
    assert sorted(await platform.charges(token)) == sorted(queued)


def _check_consistent(message: dict[str, Any]) -> None:
    """One response is one moment: the message's status is what its parts add up to."""
    parts = [part["status"] for part in message["parts"]]
    assert message["status"] == aggregate(parts), (message["status"], parts)


async def test_reads_never_see_a_message_go_backwards_while_receipts_race(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await platform.customer(auth_service)
    sent = await platform.send(token, to="+447700900123", text=LONGEST_TEXT)
    assert sent.status_code == 202, sent.text
    message_id = sent.json()["id"]
    await platform.wait_for(token, message_id, {"queued"})
    segments = sent.json()["segments"]

    def receipt(part_index: int, status: Any) -> MessagePartStatusReported:
        return MessagePartStatusReported(
            account_id=account_id,
            message_id=UUID(message_id),
            part_index=part_index,
            smsc_message_id=f"smsc-{part_index}",
            status=status,
            reported_at=utcnow(),
        )

    async def mark_sent(part_index: int) -> None:
        async for session in session_scope(platform.runtime.sessionmaker):
            await repository.mark_part_sent(
                session, UUID(message_id), part_index, f"smsc-{part_index}", utcnow()
            )

    # Receipts out of order and duplicated, submit responses late, all at once.
    writes: list[Any] = []
    for index in range(1, segments + 1):
        writes += [receipt(index, "delivered"), receipt(index, "delivered")]
        writes += [mark_sent(index), mark_sent(index)]
    random.Random(7).shuffle(writes)

    stop = asyncio.Event()

    async def poll() -> list[dict[str, Any]]:
        # One client polling: each answer comes after the previous one.
        seen: list[dict[str, Any]] = []
        while not stop.is_set():
            seen.append(await platform.message(token, message_id))
        return seen

    async def write() -> None:
        for item in writes:
            if isinstance(item, MessagePartStatusReported):
                await platform.publish(item)
            else:
                await item
            await asyncio.sleep(0)

    readers = [asyncio.create_task(poll()) for _ in range(8)]
    try:
        await write()
        final = await platform.wait_for(token, message_id, set(MESSAGE_FINAL))
    finally:
        stop.set()
        views = await asyncio.gather(*readers)

    assert final["status"] == "delivered"
    for seen in views:
        ranks = [_MESSAGE_RANK[m["status"]] for m in seen]
        assert ranks == sorted(ranks), [m["status"] for m in seen]
        for index in range(segments):
            part_ranks = [_PART_RANK.get(m["parts"][index]["status"], 3) for m in seen]
            assert part_ranks == sorted(part_ranks)
        for message in seen:
            _check_consistent(message)


async def test_receipts_racing_the_deadline_sweep_end_delivered_either_way(
    platform: Platform, auth_service: AuthClient
) -> None:
    account_id, token = await platform.customer(auth_service)
    ids = []
    for i in range(5):
        sent = await platform.send(token, to="+447700900123", text=f"{i} " + "x" * 200)
        assert sent.status_code == 202, sent.text
        ids.append(sent.json()["id"])
    for message_id in ids:
        await platform.wait_for(token, message_id, {"queued"})
        async for session in session_scope(platform.runtime.sessionmaker):
            for index in (1, 2):
                await repository.mark_part_sent(
                    session, UUID(message_id), index, f"smsc-{index}", utcnow()
                )
    receipts = [
        MessagePartStatusReported(
            account_id=account_id,
            message_id=UUID(message_id),
            part_index=index,
            smsc_message_id=f"smsc-{index}",
            status="delivered",
            reported_at=utcnow(),
        )
        for message_id in ids
        for index in (1, 2)
    ]
    random.Random(11).shuffle(receipts)
    stop = asyncio.Event()

    async def sweep() -> None:
        # Every part is past this deadline at once: the sweep and the receipts race.
        deadline = ReceiptDeadline(timedelta(0), "expired")
        while not stop.is_set():
            async for session in session_scope(platform.runtime.sessionmaker):
                await expiry.time_out_overdue(session, deadline, utcnow(), limit=2)
            await asyncio.sleep(0)

    async def poll(message_id: str) -> list[str]:
        seen = []
        while not stop.is_set():
            seen.append((await platform.message(token, message_id))["status"])
        return seen

    sweepers = [asyncio.create_task(sweep()) for _ in range(2)]
    readers = [asyncio.create_task(poll(message_id)) for message_id in ids]
    try:
        for event in receipts:
            await platform.publish(event)
        finals = [await platform.wait_for(token, m, {"delivered"}) for m in ids]
    finally:
        stop.set()
        await asyncio.gather(*sweepers)
        views = await asyncio.gather(*readers)

    for final in finals:
        assert [p["status"] for p in final["parts"]] == ["delivered", "delivered"]
        assert final["error_code"] is None
    for seen in views:
        ranks = [_MESSAGE_RANK[status] for status in seen]
        assert ranks == sorted(ranks), seen

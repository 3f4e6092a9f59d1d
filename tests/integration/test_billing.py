"""billing against PostgreSQL and the broker, driven by the events it consumes in production.

Prices are small on purpose (0.20 starter credit, 0.05 a part) so a decline takes one message.
"""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import Connection

from shared.db import create_engine
from shared.events import (
    AccountEmailVerified,
    AccountRegistered,
    BatchAccepted,
    BatchChargeAuthorized,
    BatchChargeDeclined,
    BatchChargeEvent,
    BatchedMessage,
    ChargeAuthorized,
    ChargeDeclined,
    ChargeEvent,
    MessageAccepted,
    parse_event,
    serialise_event,
)
from shared.kafka import new_producer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import fetched

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


def prepaid(balance: str) -> dict[str, str]:
    """A prepaid account's balance: no credit, so all of it and nothing more is available."""
    return {"balance": balance, "credit_limit": "0.00", "available": balance, "currency": "EUR"}


@dataclass
class Billing:
    client: httpx.AsyncClient
    app: FastAPI

    async def balance(self, token: str) -> dict[str, str]:
        response = await self.client.get("/v1/billing/balance", headers=bearer(token))
        assert response.status_code == 200, response.text
        body: dict[str, str] = response.json()
        return body

    async def transactions(self, token: str) -> list[dict[str, Any]]:
        response = await self.client.get("/v1/billing/transactions", headers=bearer(token))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def wait_until_handled(self, event_id: UUID) -> None:
        """Block until billing's inbox has taken the event: a sync point, not an assertion."""
        from billing_service.db import Inbox

        sessionmaker = self.app.state.runtime.sessionmaker
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                async with sessionmaker() as session:
                    if await session.get(Inbox, ("billing", event_id)) is not None:
                        return
                await asyncio.sleep(0.1)


class ChargeFeed:
    """What billing published on billing.charges, by message id and by batch id, as a
    downstream sees it."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer
        self.seen: dict[UUID, list[ChargeEvent]] = defaultdict(list)
        self.batches: dict[UUID, list[BatchChargeEvent]] = defaultdict(list)

    async def first(self, message_id: UUID) -> ChargeEvent:
        await self._read_until(lambda: bool(self.seen[message_id]))
        return self.seen[message_id][0]

    async def first_of_batch(self, batch_id: UUID) -> BatchChargeEvent:
        await self._read_until(lambda: bool(self.batches[batch_id]))
        return self.batches[batch_id][0]

    async def _read_until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_SECONDS):
            while not done():
                batch = await self._consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        event = parse_event(record.value)
                        if isinstance(event, BatchChargeAuthorized | BatchChargeDeclined):
                            self.batches[event.batch_id].append(event)
                            continue
                        assert isinstance(event, ChargeAuthorized | ChargeDeclined)
                        self.seen[event.message_id].append(event)


@pytest.fixture(scope="module")
async def billing_db(databases: Databases) -> str:
    return await databases.create("billing")


@pytest.fixture(scope="module")
async def billing(billing_db: str, broker: str, auth_service: AuthClient) -> AsyncIterator[Billing]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    settings = BillingSettings(
        database_url=billing_db,
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("0.20"),
        price_per_part=Decimal("0.05"),
        environment="test",
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app)


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    kafka_producer = new_producer(broker)
    await kafka_producer.start()
    yield kafka_producer
    await kafka_producer.stop()


@pytest.fixture(scope="module")
async def charges(billing: Billing, broker: str) -> AsyncIterator[ChargeFeed]:
    # Depends on billing so its runtime has created the topic before we subscribe. No group:
    # it steals nothing from anyone and skips the broker's group join (seconds on Tansu).
    consumer = AIOKafkaConsumer(
        ChargeEvent.topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    yield ChargeFeed(consumer)
    await consumer.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def accepted(account_id: UUID, segments: int, message_id: UUID | None = None) -> MessageAccepted:
    return MessageAccepted(
        account_id=account_id,
        message_id=message_id or uuid4(),
        to="+447700900123",
        sender="Acme",
        encoding="gsm7",
        segments=segments,
    )


async def publish(
    producer: AIOKafkaProducer,
    event: MessageAccepted | AccountRegistered | AccountEmailVerified | BatchAccepted,
    key: str | None = None,
) -> None:
    await producer.send_and_wait(
        event.topic,
        value=serialise_event(event),
        key=(key or event.aggregate_id).encode(),
        headers=[("event_type", event.type.encode())],
    )


async def test_new_account_gets_starter_credit(billing: Billing, auth_service: AuthClient) -> None:
    # The test platform's auth signs up with policy `open`: verified at once, credit at once.
    _, token = await auth_service.new_account()

    async with asyncio.timeout(WAIT_SECONDS):
        while not (entries := await billing.transactions(token)):
            await asyncio.sleep(0.1)
    assert [(e["kind"], e["amount"], e["message_id"]) for e in entries] == [
        ("starter_credit", "0.20", None)
    ]
    assert await billing.balance(token) == prepaid("0.20")


async def test_two_part_message_costs_two_parts(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    message = accepted(account_id, segments=2)

    await publish(producer, message)
    charge = await charges.first(message.message_id)

    assert isinstance(charge, ChargeAuthorized)
    assert (charge.account_id, charge.amount, charge.currency) == (account_id, "0.10", "EUR")
    assert await billing.balance(token) == prepaid("0.10")
    entries = await billing.transactions(token)
    assert [(e["kind"], e["amount"], e["message_id"]) for e in entries] == [
        ("charge", "-0.10", str(message.message_id)),
        ("starter_credit", "0.20", None),
    ]


async def test_a_message_is_charged_once_however_often_it_arrives(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    message = accepted(account_id, segments=2)
    await publish(producer, message)
    await charges.first(message.message_id)

    # The same event again (a redelivery), then a new event about the same message (a
    # producer retry after a crash), then a marker on the same partition: once the marker is
    # charged, everything before it has been handled.
    retry = message.model_copy(update={"event_id": uuid4()})
    marker = accepted(account_id, segments=1)
    await publish(producer, message)
    await publish(producer, retry)
    await publish(producer, marker, key=message.aggregate_id)
    await charges.first(marker.message_id)

    assert await billing.balance(token) == prepaid("0.05")
    charged = [e for e in await billing.transactions(token) if e["kind"] == "charge"]
    assert sorted(e["message_id"] for e in charged) == sorted(
        [str(message.message_id), str(marker.message_id)]
    )
    assert len(charges.seen[message.message_id]) == 1


async def test_message_the_balance_cannot_cover_is_declined(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    too_long = accepted(account_id, segments=5)
    exactly = accepted(account_id, segments=4)

    await publish(producer, too_long)
    declined = await charges.first(too_long.message_id)

    assert isinstance(declined, ChargeDeclined)
    assert declined.code == "insufficient_funds"
    assert declined.reason == "Balance 0.20 EUR does not cover 0.25 EUR"
    assert await billing.balance(token) == prepaid("0.20")
    assert [e["kind"] for e in await billing.transactions(token)] == ["starter_credit"]

    await publish(producer, exactly)
    assert isinstance(await charges.first(exactly.message_id), ChargeAuthorized)
    assert await billing.balance(token) == prepaid("0.00")


async def test_charges_fetched_in_one_batch_are_decided_in_order_per_account(
    billing: Billing, charges: ChargeFeed, auth_service: AuthClient
) -> None:
    first_id, first_token = await auth_service.new_account()
    second_id, second_token = await auth_service.new_account()
    # 0.20 of credit each at 0.05 a part.
    two, three, another_two, one = (
        accepted(first_id, segments=2),
        accepted(first_id, segments=3),
        accepted(first_id, segments=2),
        accepted(first_id, segments=1),
    )
    elsewhere = accepted(second_id, segments=4)
    again = accepted(first_id, segments=2, message_id=two.message_id)  # a second event

    (consumer,) = billing.app.state.runtime.consumers
    await consumer.process(fetched(two, elsewhere, three, another_two, again, one))

    decided = {
        name: await charges.first(event.message_id)
        for name, event in [
            ("two", two),
            ("three", three),
            ("another_two", another_two),
            ("one", one),
            ("elsewhere", elsewhere),
        ]
    }
    assert {name: type(event).__name__ for name, event in decided.items()} == {
        "two": "ChargeAuthorized",
        "three": "ChargeDeclined",  # 0.15 > the 0.10 left after `two`
        "another_two": "ChargeAuthorized",
        "one": "ChargeDeclined",
        "elsewhere": "ChargeAuthorized",
    }
    over, empty = decided["three"], decided["one"]
    assert isinstance(over, ChargeDeclined)
    assert isinstance(empty, ChargeDeclined)
    assert over.reason == "Balance 0.10 EUR does not cover 0.15 EUR"
    assert empty.reason == "Balance 0.00 EUR does not cover 0.05 EUR"
    assert len(charges.seen[two.message_id]) == 1
    assert await billing.balance(first_token) == prepaid("0.00")
    assert await billing.balance(second_token) == prepaid("0.00")
    kinds = sorted(e["kind"] for e in await billing.transactions(first_token))
    assert kinds == ["charge", "charge", "starter_credit"]


async def test_message_before_registration_is_declined_and_credit_granted_once(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer
) -> None:
    # An account whose registration billing hasn't seen yet: the topics are not ordered,
    # and only a verified registration brings credit (issue 7), so there is none to spend.
    account_id = uuid4()
    first = accepted(account_id, segments=2)
    await publish(producer, first)
    declined = await charges.first(first.message_id)
    assert isinstance(declined, ChargeDeclined)
    assert declined.reason == "Balance 0.00 EUR does not cover 0.10 EUR"

    # An event from before the sign-up policy existed reads as verified: credit, once.
    registered = AccountRegistered(
        account_id=account_id, email="late@example.com", company_name="Late Ltd"
    )
    await publish(producer, registered)
    await billing.wait_until_handled(registered.event_id)
    replayed = registered.model_copy(update={"event_id": uuid4()})
    await publish(producer, replayed)
    await billing.wait_until_handled(replayed.event_id)
    second = accepted(account_id, segments=3)
    await publish(producer, second)
    charged = await charges.first(second.message_id)
    third = accepted(account_id, segments=2)
    await publish(producer, third)
    refused = await charges.first(third.message_id)

    assert isinstance(charged, ChargeAuthorized)
    assert isinstance(refused, ChargeDeclined)
    assert refused.reason == "Balance 0.05 EUR does not cover 0.10 EUR", "credit granted twice"


async def test_each_account_sees_only_its_own_money(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    spender_id, spender = await auth_service.new_account("Spender")
    _, saver = await auth_service.new_account("Saver")
    message = accepted(spender_id, segments=2)
    await publish(producer, message)
    await charges.first(message.message_id)

    assert (await billing.balance(spender))["balance"] == "0.10"
    assert (await billing.balance(saver))["balance"] == "0.20"
    saver_messages = {e["message_id"] for e in await billing.transactions(saver)}
    assert str(message.message_id) not in saver_messages


def batch_accepted(account_id: UUID, *segments: int) -> BatchAccepted:
    return BatchAccepted(
        account_id=account_id,
        batch_id=uuid4(),
        messages=[BatchedMessage(message_id=uuid4(), segments=count) for count in segments],
    )


async def test_a_batch_is_charged_in_one_step_with_each_message_its_share(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    batch = batch_accepted(account_id, 1, 2)

    await publish(producer, batch)
    charge = await charges.first_of_batch(batch.batch_id)

    assert isinstance(charge, BatchChargeAuthorized)
    assert charge.currency == "EUR"
    assert [(c.message_id, c.amount) for c in charge.charges] == [
        (batch.messages[0].message_id, "0.05"),
        (batch.messages[1].message_id, "0.10"),
    ]
    assert await billing.balance(token) == prepaid("0.05")
    charged = [e for e in await billing.transactions(token) if e["kind"] == "charge"]
    assert sorted((e["message_id"], e["amount"]) for e in charged) == sorted(
        [(str(batch.messages[0].message_id), "-0.05"), (str(batch.messages[1].message_id), "-0.10")]
    )


async def test_a_batch_the_balance_cannot_cover_is_declined_whole(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    # 5 parts: each message alone fits the 0.20 balance, the batch doesn't.
    batch = batch_accepted(account_id, 1, 3, 1)

    await publish(producer, batch)
    declined = await charges.first_of_batch(batch.batch_id)

    assert isinstance(declined, BatchChargeDeclined)
    assert declined.code == "insufficient_funds"
    assert declined.message_ids == [m.message_id for m in batch.messages]
    assert declined.reason == "Balance 0.20 EUR does not cover the batch's 0.25 EUR"
    assert await billing.balance(token) == prepaid("0.20")
    assert [e["kind"] for e in await billing.transactions(token)] == ["starter_credit"]


async def test_a_batch_is_charged_once_however_often_it_arrives(
    billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    batch = batch_accepted(account_id, 1, 1)
    await publish(producer, batch)
    await charges.first_of_batch(batch.batch_id)

    # A redelivery, a new event about the same batch, then a marker on the same partition:
    # once the marker is charged, everything before it has been handled.
    retry = batch.model_copy(update={"event_id": uuid4()})
    marker = accepted(account_id, segments=1)
    await publish(producer, batch)
    await publish(producer, retry)
    await publish(producer, marker, key=batch.aggregate_id)
    await charges.first(marker.message_id)

    assert await billing.balance(token) == prepaid("0.05")
    charged = [e for e in await billing.transactions(token) if e["kind"] == "charge"]
    assert len(charged) == 3
    assert len(charges.batches[batch.batch_id]) == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-jwt"}])
@pytest.mark.parametrize("path", ["/v1/billing/balance", "/v1/billing/transactions"])
async def test_billing_needs_a_valid_token(
    billing: Billing, headers: dict[str, str], path: str
) -> None:
    response = await billing.client.get(path, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"


async def test_money_is_exact_and_rendered_with_two_to_four_digits() -> None:
    from billing_service.config import BillingSettings
    from billing_service.ledger.money import format_units, to_units

    assert [format_units(u) for u in (100_000, 99_500, 98_675, 0, 1, -1_000)] == [
        "10.00",
        "9.95",
        "9.8675",
        "0.00",
        "0.0001",
        "-0.10",
    ]
    assert to_units(Decimal("0.05")) == 500
    assert to_units(Decimal("10.00")) == 100_000
    with pytest.raises(ValueError, match="fraction digits"):
        to_units(Decimal("0.00001"))
    with pytest.raises(ValidationError):
        BillingSettings(price_per_part=Decimal("0.00001"))


async def test_migrations_match_models(billing_db: str) -> None:
    from billing_service.models import Base

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(billing_db)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()

"""Prices per destination (R12) against PostgreSQL and the broker: operators set tariffs up,
billing charges each message by the version in force when it was accepted.

A database of its own: the public tariff set up here would reprice test_billing's messages.
Starter credit 0.20 EUR; the public tariff prices Russia (7) 0.03, one operator (7916) 0.02
and the UK (44) 0.04 a part, every other country 0.05, and Uzbekistan (998) not at all.

Why every other country: billing publishes the tariff's prefixes on `billing.tariffs`, which
every dispatch of the test session reads from the start (as every dispatch of a platform
does). Left unpriced, the numbers other modules send to would be refused `no_tariff` in
whichever modules run after this one.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.events import (
    BatchAccepted,
    BatchChargeAuthorized,
    BatchChargeDeclined,
    BatchedMessage,
    ChargeAuthorized,
    ChargeDeclined,
    ChargeEvent,
    MessageAccepted,
    TariffPublished,
    parse_event,
    utcnow,
)
from shared.internal import INTERNAL_TOKEN_HEADER
from shared.kafka import new_producer
from tests.integration.test_billing import Billing, ChargeFeed, prepaid, publish
from tests.integration.test_senders import assert_problem, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def billing(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Billing]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("0.20"),
        environment="test",
        internal_token=INTERNAL_TOKEN,
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
    # After billing, whose runtime creates the topic; no group: it takes nothing from anyone.
    consumer = AIOKafkaConsumer(
        ChargeEvent.topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    yield ChargeFeed(consumer)
    await consumer.stop()


RUSSIA, OPERATOR, UK = "+79031234567", "+79161234567", "+447700900123"
UNPRICED = "+998901234567"
INTERNAL_TOKEN = "tariffs-internal-token"
# Everything but 998, at the catch-all price; longer prefixes above win over these.
ELSEWHERE = {
    **dict.fromkeys("12345678", "0.05"),
    **{f"9{digit}": "0.05" for digit in "01234567"},
    **{f"99{digit}": "0.05" for digit in "01234567" + "9"},
}
PUBLIC_PRICES = {**ELSEWHERE, "7": "0.03", "7916": "0.02", "44": "0.04"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def accepted(account_id: UUID, to: str, segments: int = 1) -> MessageAccepted:
    return MessageAccepted(
        account_id=account_id,
        message_id=uuid4(),
        to=to,
        sender="Acme",
        encoding="gsm7",
        segments=segments,
    )


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


async def create_tariff(
    api: httpx.AsyncClient, ops: dict[str, str], account_id: UUID | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Plan", "currency": "EUR"}
    if account_id is not None:
        body["account_id"] = str(account_id)
    response = await api.post("/v1/ops/tariffs", json=body, headers=ops)
    assert response.status_code == 200, response.text
    tariff: dict[str, Any] = response.json()
    return tariff


async def add_version(
    api: httpx.AsyncClient,
    ops: dict[str, str],
    tariff_id: str,
    prices: dict[str, str],
    **extra: Any,
) -> httpx.Response:
    body = {"prices": [{"prefix": p, "price_per_part": v} for p, v in prices.items()], **extra}
    return await api.post(f"/v1/ops/tariffs/{tariff_id}/versions", json=body, headers=ops)


@pytest.fixture(scope="module")
async def public(billing: Billing, ops: dict[str, str]) -> dict[str, Any]:
    tariff = await create_tariff(billing.client, ops)
    response = await add_version(billing.client, ops, tariff["id"], PUBLIC_PRICES)
    assert response.status_code == 200, response.text
    return tariff


async def customer(billing: Billing, auth: AuthClient) -> tuple[UUID, str]:
    """A new account once billing has granted its starter credit: a message charged before
    that would be declined `insufficient_funds`, whatever its price."""
    account_id, token = await auth.new_account()
    async with asyncio.timeout(30):
        while True:
            answer = await billing.client.get("/v1/billing/balance", headers=bearer(token))
            if answer.status_code == 200 and answer.json()["balance"] == "0.20":
                return account_id, token
            await asyncio.sleep(0.05)


async def charged(charges: ChargeFeed, event: MessageAccepted) -> tuple[str, str]:
    """(outcome, amount or code) of the message's charge."""
    charge = await charges.first(event.message_id)
    if isinstance(charge, ChargeAuthorized):
        return "authorized", charge.amount
    assert isinstance(charge, ChargeDeclined)
    return "declined", charge.code


async def test_each_message_is_charged_by_the_longest_matching_prefix(
    billing: Billing,
    public: dict[str, Any],
    charges: ChargeFeed,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    account_id, token = await customer(billing, auth_service)
    messages = [
        accepted(account_id, OPERATOR, 2),
        accepted(account_id, RUSSIA),
        accepted(account_id, UK),
    ]
    for message in messages:
        await publish(producer, message)

    assert [await charged(charges, m) for m in messages] == [
        ("authorized", "0.04"),
        ("authorized", "0.03"),
        ("authorized", "0.04"),
    ]
    assert await billing.balance(token) == prepaid("0.09")


async def test_a_destination_without_a_price_is_declined_no_tariff(
    billing: Billing,
    public: dict[str, Any],
    charges: ChargeFeed,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    account_id, token = await customer(billing, auth_service)
    unpriced = accepted(account_id, UNPRICED)
    await publish(producer, unpriced)

    assert await charged(charges, unpriced) == ("declined", "no_tariff")
    assert await billing.balance(token) == prepaid("0.20")
    assert [e["kind"] for e in await billing.transactions(token)] == ["starter_credit"]


async def test_an_account_plan_overrides_the_public_tariff_for_that_account_only(
    billing: Billing,
    public: dict[str, Any],
    ops: dict[str, str],
    charges: ChargeFeed,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    vip_id, vip = await auth_service.new_account("VIP")
    other_id, other = await auth_service.new_account("Other")
    plan = await create_tariff(billing.client, ops, vip_id)
    assert (await add_version(billing.client, ops, plan["id"], {"7": "0.01"})).status_code == 200

    messages = [accepted(vip_id, OPERATOR), accepted(vip_id, UK), accepted(other_id, OPERATOR)]
    for message in messages:
        await publish(producer, message)

    assert [await charged(charges, m) for m in messages] == [
        ("authorized", "0.01"),
        ("declined", "no_tariff"),  # the plan replaces the public tariff whole
        ("authorized", "0.02"),
    ]
    # Each customer sees its own prices, never another's plan.
    mine = (await billing.client.get("/v1/billing/tariff", headers=bearer(vip))).json()
    theirs = (await billing.client.get("/v1/billing/tariff", headers=bearer(other))).json()
    assert mine["version"]["tariff_id"] == plan["id"]
    assert mine["version"]["prices"] == [{"prefix": "7", "price_per_part": "0.01"}]
    assert theirs["version"]["tariff_id"] == public["id"]
    theirs_by_prefix = {p["prefix"]: p["price_per_part"] for p in theirs["version"]["prices"]}
    assert theirs_by_prefix == PUBLIC_PRICES
    assert (theirs["currency"], theirs["next_version"]) == ("EUR", None)


async def test_a_message_accepted_before_a_new_version_keeps_the_old_price(
    billing: Billing,
    public: dict[str, Any],
    ops: dict[str, str],
    charges: ChargeFeed,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    account_id, token = await customer(billing, auth_service)
    plan = await create_tariff(billing.client, ops, account_id)
    assert (await add_version(billing.client, ops, plan["id"], {"7": "0.01"})).status_code == 200
    before = accepted(account_id, RUSSIA)  # accepted now, charged after the change
    assert (await add_version(billing.client, ops, plan["id"], {"7": "0.05"})).status_code == 200
    after = accepted(account_id, RUSSIA)

    await publish(producer, before)
    await publish(producer, after)

    assert await charged(charges, before) == ("authorized", "0.01")
    assert await charged(charges, after) == ("authorized", "0.05")
    shown = (await billing.client.get("/v1/billing/tariff", headers=bearer(token))).json()
    assert shown["version"]["prices"] == [{"prefix": "7", "price_per_part": "0.05"}]


async def test_a_version_scheduled_ahead_is_shown_as_next_and_not_charged_yet(
    billing: Billing,
    public: dict[str, Any],
    ops: dict[str, str],
    charges: ChargeFeed,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    account_id, token = await customer(billing, auth_service)
    plan = await create_tariff(billing.client, ops, account_id)
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    response = await add_version(
        billing.client, ops, plan["id"], {"7": "0.01"}, effective_from=tomorrow
    )
    assert response.status_code == 200, response.text

    message = accepted(account_id, RUSSIA)
    await publish(producer, message)

    assert await charged(charges, message) == ("authorized", "0.03")  # the public price
    shown = (await billing.client.get("/v1/billing/tariff", headers=bearer(token))).json()
    assert shown["version"]["tariff_id"] == public["id"]
    assert shown["next_version"]["id"] == response.json()["id"]
    assert shown["next_version"]["prices"] == [{"prefix": "7", "price_per_part": "0.01"}]


async def test_a_version_cannot_start_in_the_past(
    billing: Billing, public: dict[str, Any], ops: dict[str, str]
) -> None:
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    response = await add_version(
        billing.client, ops, public["id"], {"7": "0.01"}, effective_from=yesterday
    )

    assert_problem(response, 422, "invalid_effective_from")
    naive = (utcnow() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    without_offset = await add_version(
        billing.client, ops, public["id"], {"7": "0.01"}, effective_from=naive
    )
    assert_problem(without_offset, 422, "invalid_effective_from")
    listed = (await billing.client.get("/v1/ops/tariffs", headers=ops)).json()["items"]
    (shown,) = [t for t in listed if t["id"] == public["id"]]
    assert [v["prices"] for v in shown["versions"]] == [len(PUBLIC_PRICES)]


async def test_a_batch_is_priced_per_destination_and_declined_whole_if_one_is_unpriced(
    billing: Billing,
    public: dict[str, Any],
    charges: ChargeFeed,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    account_id, token = await customer(billing, auth_service)

    def batch(*destinations: str) -> BatchAccepted:
        return BatchAccepted(
            account_id=account_id,
            batch_id=uuid4(),
            messages=[BatchedMessage(message_id=uuid4(), segments=1, to=to) for to in destinations],
        )

    mixed, priced = batch(OPERATOR, UNPRICED), batch(OPERATOR, UK)
    await publish(producer, mixed)
    await publish(producer, priced)

    declined = await charges.first_of_batch(mixed.batch_id)
    assert isinstance(declined, BatchChargeDeclined)
    assert declined.code == "no_tariff"
    assert UNPRICED in declined.reason
    assert declined.message_ids == [m.message_id for m in mixed.messages]
    authorized = await charges.first_of_batch(priced.batch_id)
    assert isinstance(authorized, BatchChargeAuthorized)
    assert [c.amount for c in authorized.charges] == ["0.02", "0.04"]
    assert await billing.balance(token) == prepaid("0.14")


async def tariff_event(broker: str, version_id: UUID) -> TariffPublished:
    """The version's tariff.published as dispatch reads it from the broker."""
    consumer = AIOKafkaConsumer(
        TariffPublished.topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        event = parse_event(record.value)
                        if isinstance(event, TariffPublished) and event.version_id == version_id:
                            return event
    finally:
        await consumer.stop()


async def test_a_csv_price_list_becomes_a_version(
    billing: Billing,
    public: dict[str, Any],
    ops: dict[str, str],
    auth_service: AuthClient,
    broker: str,
) -> None:
    account_id, _ = await auth_service.new_account()
    plan = await create_tariff(billing.client, ops, account_id)
    csv = "prefix,price_per_part\r\n7,0.0325\r\n+7916,0.02\r\n\r\n44,0\r\n"

    response = await billing.client.post(
        f"/v1/ops/tariffs/{plan['id']}/versions",
        content=csv,
        headers={**ops, "Content-Type": "text/csv"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["prices"] == [
        {"prefix": "44", "price_per_part": "0.00"},
        {"prefix": "7", "price_per_part": "0.0325"},
        {"prefix": "7916", "price_per_part": "0.02"},
    ]
    again = await billing.client.get(
        f"/v1/ops/tariffs/{plan['id']}/versions/{response.json()['id']}", headers=ops
    )
    assert again.json() == response.json()
    # Told to dispatch, prefixes only, so it can refuse unpriced destinations at send time.
    published = await tariff_event(broker, UUID(response.json()["id"]))
    assert isinstance(published, TariffPublished)
    assert (published.account_id, published.prefixes) == (account_id, ["44", "7", "7916"])


async def test_a_bad_csv_price_list_is_refused_whole_naming_its_lines(
    billing: Billing, public: dict[str, Any], ops: dict[str, str], auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    plan = await create_tariff(billing.client, ops, account_id)
    csv = "\n".join(
        [
            "prefix,price_per_part",
            "7,0.03",  # line 2: fine
            "7a,0.03",  # 3: not digits
            "44,-0.01",  # 4: negative
            "49,0.00001",  # 5: finer than the ledger
            "7,0.04",  # 6: twice
            "33,abc",  # 7: not a number
            "34",  # 8: one field
        ]
    )

    response = await billing.client.post(
        f"/v1/ops/tariffs/{plan['id']}/versions",
        content=csv,
        headers={**ops, "Content-Type": "text/csv"},
    )

    problem = assert_problem(response, 422, "invalid_price_list")
    assert [e["line"] for e in problem["errors"]] == [3, 4, 5, 6, 7, 8]
    assert "line 3" in problem["detail"]
    headerless = await billing.client.post(
        f"/v1/ops/tariffs/{plan['id']}/versions",
        content="7,0.03\n",
        headers={**ops, "Content-Type": "text/csv"},
    )
    assert_problem(headerless, 422, "invalid_price_list")
    listed = (await billing.client.get("/v1/ops/tariffs", headers=ops)).json()["items"]
    (shown,) = [t for t in listed if t["id"] == plan["id"]]
    assert shown["versions"] == []


async def test_one_public_tariff_one_plan_per_account_in_the_balances_currency(
    billing: Billing, public: dict[str, Any], ops: dict[str, str], auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    await create_tariff(billing.client, ops, account_id)

    again = await billing.client.post(
        "/v1/ops/tariffs",
        json={"name": "Again", "currency": "EUR", "account_id": str(account_id)},
        headers=ops,
    )
    second_public = await billing.client.post(
        "/v1/ops/tariffs", json={"name": "Another", "currency": "EUR"}, headers=ops
    )
    dollars = await billing.client.post(
        "/v1/ops/tariffs",
        json={"name": "USD", "currency": "USD", "account_id": str(uuid4())},
        headers=ops,
    )
    missing = await add_version(billing.client, ops, str(uuid4()), {"7": "0.01"})

    assert_problem(again, 409, "tariff_exists")
    assert_problem(second_public, 409, "tariff_exists")
    assert_problem(dollars, 422, "unsupported_currency")
    assert_problem(missing, 404, "not_found")


async def test_only_operators_manage_tariffs(
    billing: Billing, public: dict[str, Any], auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    customer = bearer(token)

    assert_problem(await billing.client.get("/v1/ops/tariffs", headers=customer), 403, "forbidden")
    created = await billing.client.post(
        "/v1/ops/tariffs",
        json={"name": "Mine", "currency": "EUR", "account_id": str(account_id)},
        headers=customer,
    )
    assert_problem(created, 403, "forbidden")
    priced = await add_version(billing.client, customer, public["id"], {"7": "0.00"})
    assert_problem(priced, 403, "forbidden")
    assert_problem(await billing.client.get("/v1/ops/tariffs"), 401, "unauthorized")
    assert_problem(await billing.client.get("/v1/billing/tariff"), 401, "unauthorized")


async def test_quotes_get_per_destination_prices_and_no_tariff(
    billing: Billing, public: dict[str, Any], auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    query = {"account_id": str(account_id), "destinations": [OPERATOR, UNPRICED]}

    # An account's price plan is told only to the platform's own services.
    for headers in ({}, {INTERNAL_TOKEN_HEADER: "guess"}):
        refused = await billing.client.post("/internal/v1/prices", json=query, headers=headers)
        assert_problem(refused, 401, "unauthorized")
    response = await billing.client.post(
        "/internal/v1/prices", json=query, headers={INTERNAL_TOKEN_HEADER: INTERNAL_TOKEN}
    )

    assert response.status_code == 200, response.text
    assert response.json()["prices"] == [
        {"destination": OPERATOR, "price_per_part": "0.02", "currency": "EUR", "note": None},
        {"destination": UNPRICED, "price_per_part": None, "currency": None, "note": "no_tariff"},
    ]

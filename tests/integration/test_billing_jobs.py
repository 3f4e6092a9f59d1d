"""Billing's scheduled jobs run in the service itself (no CronJob to forget), against
PostgreSQL, the broker and the real auth service: a postpaid invoice left unpaid past its due
date suspends the account with nobody running a command, last month's charges get their
act, a postpaid debt its monthly invoice, and the books are reconciled, on the service's own
schedule."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import update

from shared.events import utcnow
from shared.kafka import new_producer
from tests.integration.test_billing import Billing
from tests.integration.test_billing_postpaid import bearer, charge, opened, state_becomes
from tests.integration.test_senders import token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


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
        price_per_part=Decimal("0.05"),
        environment="test",
        # Rounds every fraction of a second instead of hours: the schedule, not a command,
        # is what the tests wait for.
        overdue_check_seconds=0.2,
        acts_check_seconds=0.2,
        debt_invoices_check_seconds=0.2,
        reconcile_seconds=0.3,
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
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


async def test_an_invoice_past_due_suspends_the_account_on_the_services_schedule(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    from billing_service.invoices.models import Invoice

    account_id, token = await opened(billing, auth_service)
    terms = await billing.client.put(
        f"/v1/ops/accounts/{account_id}/postpaid",
        json={"postpaid": True, "credit_limit": "5.00"},
        headers=ops,
    )
    assert terms.status_code == 200, terms.text
    await charge(billing, producer, account_id, 10)
    issued = await billing.client.post(
        "/v1/billing/invoices", json={"amount": "0.30"}, headers=bearer(token)
    )
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    # Two weeks pass: its due date is yesterday.
    async with billing.app.state.runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(Invoice)
            .where(Invoice.id == UUID(invoice["id"]))
            .values(due_date=utcnow().date() - timedelta(days=1))
        )

    reason = await state_becomes(auth_service, token, "suspended")
    assert reason is not None
    assert reason.startswith("invoice_overdue")
    assert invoice["number"] in reason


async def test_last_months_charges_get_their_act_on_the_services_schedule(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    from billing_service.acts.service import Month
    from billing_service.ledger.models import LedgerTransaction

    account_id, token = await opened(billing, auth_service)
    await charge(billing, producer, account_id, 3)  # 0.15
    last_month = Month.before(utcnow())
    # The charge happened in the middle of last month.
    async with billing.app.state.runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(LedgerTransaction)
            .where(LedgerTransaction.account_id == account_id)
            .values(created_at=last_month.start + timedelta(days=10))
        )

    async def acts() -> list[dict[str, Any]]:
        listed = await billing.client.get("/v1/billing/invoices", headers=bearer(token))
        assert listed.status_code == 200, listed.text
        return [i for i in listed.json()["items"] if i["document"] == "act"]

    async with asyncio.timeout(WAIT_SECONDS):
        while not (found := await acts()):
            await asyncio.sleep(0.2)
    [act] = found
    assert act["period"] == last_month.period
    assert act["net"] == "0.15"
    # Later rounds issue nothing more.
    await asyncio.sleep(1)
    assert len(await acts()) == 1


async def test_a_postpaid_debt_is_invoiced_for_the_month_on_the_services_schedule(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    from billing_service.acts.service import Month

    account_id, token = await opened(billing, auth_service)
    terms = await billing.client.put(
        f"/v1/ops/accounts/{account_id}/postpaid",
        json={"postpaid": True, "credit_limit": "5.00"},
        headers=ops,
    )
    assert terms.status_code == 200, terms.text
    await charge(billing, producer, account_id, 9)  # 0.45: -0.25

    async def invoices() -> list[dict[str, Any]]:
        listed = await billing.client.get("/v1/billing/invoices", headers=bearer(token))
        assert listed.status_code == 200, listed.text
        return [i for i in listed.json()["items"] if i["document"] == "invoice"]

    async with asyncio.timeout(WAIT_SECONDS):
        while not (found := await invoices()):
            await asyncio.sleep(0.2)
    [invoice] = found
    assert (invoice["net"], invoice["period"]) == ("0.25", Month.before(utcnow()).period)
    # The month has its invoice: more debt waits for the next month's.
    await charge(billing, producer, account_id, 1)
    await asyncio.sleep(1)
    assert len(await invoices()) == 1


async def reconciled_differences(billing: Billing, kind: str) -> float:
    scraped = (await billing.client.get("/metrics")).text
    for line in scraped.splitlines():
        if line.startswith(f'billing_reconcile_differences{{kind="{kind}"}}'):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no billing_reconcile_differences for {kind} in /metrics")


async def test_the_books_are_reconciled_on_the_services_schedule(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    from billing_service.ledger.models import Balance

    account_id, _ = await opened(billing, auth_service)
    async with asyncio.timeout(WAIT_SECONDS):
        while await reconciled_differences(billing, "balance_mismatch") != 0:
            await asyncio.sleep(0.2)
    # Money made from nothing: the stored balance raised without a transaction.
    sessionmaker = billing.app.state.runtime.sessionmaker
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Balance).where(Balance.account_id == account_id).values(amount_units=9_999)
        )
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while await reconciled_differences(billing, "balance_mismatch") != 1:
                await asyncio.sleep(0.2)
        assert await reconciled_differences(billing, "transaction_unbalanced") == 0
    finally:
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Balance).where(Balance.account_id == account_id).values(amount_units=2_000)
            )
    async with asyncio.timeout(WAIT_SECONDS):
        while await reconciled_differences(billing, "balance_mismatch") != 0:
            await asyncio.sleep(0.2)

"""Postpaid accounts and past-due suspension (issue 10 item 6), against PostgreSQL, the
broker and the real auth service: a postpaid balance goes below zero down to its credit
limit and no further; an invoice unpaid past its due date suspends the account's sending in
auth (reason `invoice_overdue`), and marking it paid lifts that suspension."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared.events import utcnow
from shared.kafka import new_producer
from tests.integration.test_billing import Billing, accepted, publish
from tests.integration.test_senders import assert_problem, token_as
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
        invoice_due_days=14,
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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def opened(billing: Billing, auth: AuthClient) -> tuple[UUID, str]:
    """A real auth account that billing has opened (its starter credit granted)."""
    account_id, token = await auth.new_account("Postpaid Ltd")
    async with asyncio.timeout(WAIT_SECONDS):
        while (await billing.balance(token))["balance"] != "0.20":
            await asyncio.sleep(0.1)
    return account_id, token


async def account_state(auth: AuthClient, token: str) -> tuple[str, str | None]:
    async with httpx.AsyncClient(base_url=auth.base_url, timeout=10) as client:
        profile = await client.get("/v1/account", headers=bearer(token))
    assert profile.status_code == 200, profile.text
    body: dict[str, Any] = profile.json()
    return body["state"], body["state_reason"]


async def state_becomes(auth: AuthClient, token: str, state: str) -> str | None:
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            current, reason = await account_state(auth, token)
            if current == state:
                return reason
            await asyncio.sleep(0.1)


async def charge(
    billing: Billing, producer: AIOKafkaProducer, account_id: UUID, parts: int
) -> None:
    event = accepted(account_id, parts)
    await publish(producer, event)
    await billing.wait_until_handled(event.event_id)


async def test_a_postpaid_balance_goes_down_to_its_credit_limit_and_no_further(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    from billing_service.reconcile.service import reconcile

    account_id, token = await opened(billing, auth_service)
    terms = f"/v1/ops/accounts/{account_id}/postpaid"
    assert (await billing.client.get(terms, headers=ops)).json()["postpaid"] is False
    # Prepaid: a message the balance can't cover is declined, as always.
    await charge(billing, producer, account_id, 5)
    assert (await billing.balance(token))["balance"] == "0.20"

    for bad in (
        {"postpaid": False, "credit_limit": "1.00"},
        {"postpaid": True, "credit_limit": "-1.00"},
        {"postpaid": True, "credit_limit": "0.001"},
    ):
        assert_problem(
            await billing.client.put(terms, json=bad, headers=ops), 422, "validation_error"
        )
    customer = await billing.client.put(
        terms, json={"postpaid": True, "credit_limit": "100.00"}, headers=bearer(token)
    )
    assert_problem(customer, 403, "forbidden")
    set_ = await billing.client.put(
        terms, json={"postpaid": True, "credit_limit": "0.30"}, headers=ops
    )
    assert set_.status_code == 200, set_.text
    assert set_.json() == {
        "account_id": str(account_id),
        "postpaid": True,
        "credit_limit": "0.30",
        "balance": "0.20",
        "currency": "EUR",
    }

    # The customer sees its limit and what it can still spend.
    assert await billing.balance(token) == {
        "balance": "0.20",
        "credit_limit": "0.30",
        "available": "0.50",
        "currency": "EUR",
    }

    await charge(billing, producer, account_id, 8)  # 0.40: down to -0.20
    assert (await billing.balance(token))["balance"] == "-0.20"
    assert (await billing.balance(token))["available"] == "0.10"
    await charge(billing, producer, account_id, 3)  # 0.15 more would pass -0.30: declined
    assert (await billing.balance(token))["balance"] == "-0.20"
    await charge(billing, producer, account_id, 2)  # exactly to the limit
    assert (await billing.balance(token))["balance"] == "-0.30"

    # The limit can't be taken below what the account owes.
    for owed in ({"postpaid": False}, {"postpaid": True, "credit_limit": "0.10"}):
        refused = await billing.client.put(terms, json=owed, headers=ops)
        assert_problem(refused, 409, "credit_limit_below_debt")
    assert (await billing.client.get(terms, headers=ops)).json()["credit_limit"] == "0.30"
    unknown = await billing.client.get(f"/v1/ops/accounts/{uuid4()}/postpaid", headers=ops)
    assert_problem(unknown, 404, "not_found")

    async with billing.app.state.runtime.sessionmaker() as session:
        assert (await reconcile(session, [account_id])).differences == []


async def test_an_overdue_postpaid_invoice_suspends_sending_until_it_is_paid(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    from billing_service.postpaid.service import report_overdue
    from billing_service.reconcile.service import reconcile

    account_id, token = await opened(billing, auth_service)
    _, prepaid_token = await opened(billing, auth_service)
    terms = f"/v1/ops/accounts/{account_id}/postpaid"
    assert (
        await billing.client.put(
            terms, json={"postpaid": True, "credit_limit": "5.00"}, headers=ops
        )
    ).status_code == 200
    await charge(billing, producer, account_id, 10)  # 0.50: -0.30
    invoices = []
    for headers in (bearer(token), bearer(prepaid_token)):
        issued = await billing.client.post(
            "/v1/billing/invoices", json={"amount": "0.30"}, headers=headers
        )
        assert issued.status_code == 201, issued.text
        invoices.append(issued.json())
    postpaid_invoice = invoices[0]
    due = utcnow().date() + timedelta(days=14)
    assert postpaid_invoice["due_date"] == due.isoformat()

    sessionmaker = billing.app.state.runtime.sessionmaker
    # On its due date it is not late yet; the day after it is, once (the prepaid account's
    # unpaid invoice is a prepayment nobody owes: it suspends nothing).
    assert await report_overdue(sessionmaker, lambda: utcnow() + timedelta(days=14)) == 0
    later = utcnow() + timedelta(days=15)
    assert await report_overdue(sessionmaker, lambda: later) == 1
    assert await report_overdue(sessionmaker, lambda: later) == 0

    reason = await state_becomes(auth_service, token, "suspended")
    assert reason is not None
    assert reason.startswith("invoice_overdue")
    assert postpaid_invoice["number"] in reason
    assert await account_state(auth_service, prepaid_token) == ("active", None)

    paid = await billing.client.post(f"/v1/ops/invoices/{postpaid_invoice['id']}/paid", headers=ops)
    assert paid.status_code == 200, paid.text
    assert await state_becomes(auth_service, token, "active") is None
    assert (await billing.balance(token))["balance"] == "0.00"
    async with sessionmaker() as session:
        assert (await reconcile(session, [account_id])).differences == []


async def test_what_a_postpaid_account_owes_is_invoiced_once_a_month(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    from billing_service.acts.service import Month
    from billing_service.postpaid.invoicing import invoice_debts
    from billing_service.reconcile.service import reconcile

    account_id, token = await opened(billing, auth_service)
    assert (
        await billing.client.put(
            f"/v1/ops/accounts/{account_id}/postpaid",
            json={"postpaid": True, "credit_limit": "5.00"},
            headers=ops,
        )
    ).status_code == 200
    sessionmaker = billing.app.state.runtime.sessionmaker
    companies = billing.app.state.companies
    now = utcnow()
    this_month = Month(now.year, now.month)
    next_month = this_month.end + timedelta(days=1)

    async def invoices() -> list[dict[str, Any]]:
        listed = await billing.client.get("/v1/billing/invoices", headers=bearer(token))
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        return items

    async def run(at: datetime) -> None:
        await invoice_debts(sessionmaker, companies, lambda: at, 14)

    await run(now)
    assert await invoices() == []  # owes nothing yet
    await charge(billing, producer, account_id, 7)  # 0.35: -0.15
    await run(now)
    await run(now)  # the debt is invoiced already
    (first,) = await invoices()
    assert (first["net"], first["status"]) == ("0.15", "issued")
    assert first["period"] == Month.before(now).period
    assert first["due_date"] == (now.date() + timedelta(days=14)).isoformat()
    await charge(billing, producer, account_id, 2)  # 0.10 more: -0.25
    await run(now)  # the month's invoice is out: the rest waits for the next month
    assert len(await invoices()) == 1
    await run(next_month)
    second, _ = await invoices()  # newest first
    assert (second["net"], second["period"]) == ("0.10", this_month.period)
    for invoice in (first, second):
        paid = await billing.client.post(f"/v1/ops/invoices/{invoice['id']}/paid", headers=ops)
        assert paid.status_code == 200, paid.text
    assert (await billing.balance(token))["balance"] == "0.00"
    await run(Month(next_month.year, next_month.month).end + timedelta(days=1))
    assert len(await invoices()) == 2
    async with sessionmaker() as session:
        assert (await reconcile(session, [account_id])).differences == []

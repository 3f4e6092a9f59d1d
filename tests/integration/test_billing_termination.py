"""Termination refunds (issue 10 item 7), against PostgreSQL, the broker and the real auth
service: an account its owner closes gets a refund request for its balance; the customer
gives a valid IBAN, the balance becomes refunds payable, an operator pays it out once (or
rejects it, or the owner logs in again and it is withdrawn), and every step keeps the
ledger balanced."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import httpx
import jwt
import pytest

from shared.events import utcnow
from tests.integration.test_billing import Billing
from tests.integration.test_senders import assert_problem, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30
PASSWORD = "correct horse battery"
IBAN = "NL91 ABNA 0417 1643 00"


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
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app)


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(auth: AuthClient, email: str) -> str:
    async with httpx.AsyncClient(base_url=auth.base_url, timeout=10) as client:
        response = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def closed_account(billing: Billing, auth: AuthClient) -> tuple[UUID, str, str]:
    """(account id, e-mail, the owner's token): an account billing opened (0.20 starter
    credit), closed by its owner, whose refund request billing has opened."""
    email = f"closing-{uuid4()}@example.com"
    async with httpx.AsyncClient(base_url=auth.base_url, timeout=10) as client:
        registered = await client.post(
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "company_name": "Closing Ltd"},
        )
        assert registered.status_code == 202, registered.text
    token = await login(auth, email)
    async with asyncio.timeout(WAIT_SECONDS):
        while (await billing.balance(token))["balance"] != "0.20":
            await asyncio.sleep(0.1)
    async with httpx.AsyncClient(base_url=auth.base_url, timeout=10) as client:
        closed = await client.post("/v1/account/close", headers=bearer(token))
        assert closed.status_code == 204, closed.text
    async with asyncio.timeout(WAIT_SECONDS):
        while (await request_of(billing, token)).status_code == 404:
            await asyncio.sleep(0.1)
    account_id = UUID(jwt.decode(token, options={"verify_signature": False})["account_id"])
    return account_id, email, token


async def request_of(billing: Billing, token: str) -> httpx.Response:
    return await billing.client.get("/v1/billing/refund-request", headers=bearer(token))


async def give_details(billing: Billing, token: str, iban: str = IBAN) -> httpx.Response:
    return await billing.client.post(
        "/v1/billing/refund-request/bank-details",
        json={"holder": "Closing Ltd", "iban": iban, "bic": "ABNANL2A"},
        headers=bearer(token),
    )


async def books_agree(billing: Billing, account_id: UUID) -> None:
    from billing_service.reconcile.service import reconcile

    async with billing.app.state.runtime.sessionmaker() as session:
        assert (await reconcile(session, [account_id])).differences == []


async def refunds_payable_of(billing: Billing, request_id: str) -> int:
    """What the request's transactions left in refunds payable: 0 once paid or returned."""
    from sqlalchemy import func, select

    from billing_service.ledger.models import LedgerPosting, LedgerTransaction

    statement = (
        select(func.coalesce(func.sum(LedgerPosting.amount_units), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(
            LedgerPosting.book == "refunds_payable",
            LedgerTransaction.idempotency_key.like(f"termination:{request_id}%"),
        )
    )
    async with billing.app.state.runtime.sessionmaker() as session:
        return int((await session.execute(statement)).scalar_one())


async def test_a_closed_accounts_balance_is_refunded_once_to_a_valid_iban(
    billing: Billing, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    from billing_service.terminations.business_days import add_business_days

    account_id, _, token = await closed_account(billing, auth_service)
    request = (await request_of(billing, token)).json()
    assert (request["state"], request["amount"], request["currency"]) == (
        "awaiting_details",
        "0.20",
        "EUR",
    )
    assert request["iban"] is None
    # Not payable before the details; a bad IBAN or a viewer changes nothing.
    early = await billing.client.post(f"/v1/ops/refunds/{request['id']}/paid", headers=ops)
    assert_problem(early, 409, "refund_not_payable")
    typo = await give_details(billing, token, "NL91 ABNA 0417 1643 01")
    assert_problem(typo, 422, "validation_error")
    viewer = await billing.client.post(
        "/v1/billing/refund-request/bank-details",
        json={"holder": "X", "iban": IBAN},
        headers=bearer(token_as(auth_service, token, "viewer")),
    )
    assert_problem(viewer, 403, "forbidden")
    assert (await request_of(billing, token)).json()["state"] == "awaiting_details"

    given = await give_details(billing, token)
    assert given.status_code == 200, given.text
    body = given.json()
    assert body["state"] == "requested"
    assert body["iban"] == "NL** **** 4300"  # masked for the customer
    due = date.fromisoformat(body["due_on"])
    assert due == add_business_days(utcnow().date(), 10)
    assert (await billing.balance(token))["balance"] == "0.00"  # set aside: refunds payable
    await books_agree(billing, account_id)

    listed = await billing.client.get(
        "/v1/ops/refunds", params={"account_id": str(account_id)}, headers=ops
    )
    assert [(r["id"], r["iban"], r["bic"], r["amount"]) for r in listed.json()["items"]] == [
        (request["id"], "NL91ABNA0417164300", "ABNANL2A", "0.20")
    ]
    customer = await billing.client.get("/v1/ops/refunds", headers=bearer(token))
    assert_problem(customer, 403, "forbidden")

    async def overdue_at(day: date) -> list[str]:
        response = await billing.client.get(
            "/v1/ops/refunds/overdue", params={"at": day.isoformat(), "limit": 500}, headers=ops
        )
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert request["id"] not in await overdue_at(due)
    assert request["id"] in await overdue_at(due + timedelta(days=1))

    paid = await billing.client.post(f"/v1/ops/refunds/{request['id']}/paid", headers=ops)
    assert paid.status_code == 200, paid.text
    assert paid.json()["state"] == "paid"
    again = await billing.client.post(f"/v1/ops/refunds/{request['id']}/paid", headers=ops)
    assert_problem(again, 409, "refund_already_paid")
    late = await billing.client.post(
        f"/v1/ops/refunds/{request['id']}/reject", json={"reason": "late"}, headers=ops
    )
    assert_problem(late, 409, "refund_request_closed")
    assert_problem(await give_details(billing, token), 409, "refund_request_closed")
    assert request["id"] not in await overdue_at(due + timedelta(days=1))
    assert await refunds_payable_of(billing, request["id"]) == 0
    assert (await billing.balance(token))["balance"] == "0.00"
    await books_agree(billing, account_id)
    kinds = [t["kind"] for t in await billing.transactions(token)]
    assert kinds[:2] == ["refund_payout", "termination_refund"]

    unknown = await billing.client.post(f"/v1/ops/refunds/{uuid4()}/paid", headers=ops)
    assert_problem(unknown, 404, "not_found")


async def test_a_rejected_refund_returns_the_money_to_the_balance(
    billing: Billing, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    account_id, _, token = await closed_account(billing, auth_service)
    request_id = (await request_of(billing, token)).json()["id"]
    assert (await give_details(billing, token)).status_code == 200
    assert (await billing.balance(token))["balance"] == "0.00"
    empty = await billing.client.post(
        f"/v1/ops/refunds/{request_id}/reject", json={"reason": ""}, headers=ops
    )
    assert_problem(empty, 422, "validation_error")
    rejected = await billing.client.post(
        f"/v1/ops/refunds/{request_id}/reject",
        json={"reason": "account holder mismatch"},
        headers=ops,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected"
    assert (await billing.balance(token))["balance"] == "0.20"
    assert await refunds_payable_of(billing, request_id) == 0
    paid = await billing.client.post(f"/v1/ops/refunds/{request_id}/paid", headers=ops)
    assert_problem(paid, 409, "refund_not_payable")
    await books_agree(billing, account_id)


async def test_logging_in_again_withdraws_the_refund_and_keeps_the_balance(
    billing: Billing, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    account_id, email, token = await closed_account(billing, auth_service)
    request_id = (await request_of(billing, token)).json()["id"]
    assert (await give_details(billing, token)).status_code == 200
    reopened = await login(auth_service, email)  # reopens the account (auth)
    async with asyncio.timeout(WAIT_SECONDS):
        while (await request_of(billing, reopened)).json()["state"] != "withdrawn":
            await asyncio.sleep(0.1)
    assert (await billing.balance(reopened))["balance"] == "0.20"
    assert await refunds_payable_of(billing, request_id) == 0
    paid = await billing.client.post(f"/v1/ops/refunds/{request_id}/paid", headers=ops)
    assert_problem(paid, 409, "refund_not_payable")
    await books_agree(billing, account_id)


async def test_an_account_without_a_closing_has_no_refund_request(
    billing: Billing, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    assert_problem(await request_of(billing, token), 404, "not_found")
    assert_problem(await give_details(billing, token), 404, "not_found")

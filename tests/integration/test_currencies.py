"""Several currencies (issue 10 item 5) against PostgreSQL: each account's money is kept,
priced and credited in its contracting company's currency, money never changes currency
inside the ledger, and the books balance per currency (a property test over two accounts in
two currencies that move between companies)."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shared.events import AccountRegistered, MessageAccepted
from tests.integration.test_ledger import Billing, accepted, bearer
from tests.integration.test_payments import token_for
from tests.integration.test_senders import assert_problem, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

US = "+12025550123"
UK = "+447700900123"


def company(code: str, country: str, currency: str, serves: list[str]) -> dict[str, Any]:
    return {
        "code": code,
        "legal_name": f"smsgw {code}",
        "country": country,
        "currency": currency,
        "vat_rate": None,
        "invoice_prefix": code.upper(),
        "address": "1 Main Street",
        "bank_details": "IBAN XX00 0000",
        "serves_countries": serves,
    }


COMPANIES = [company("eu", "NL", "EUR", []), company("us", "US", "USD", ["US"])]


@pytest.fixture(scope="module")
async def billing(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Billing]:
    from billing_service.companies.config import CompanyConfig
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    database_url = await databases.create("billing")
    settings = BillingSettings(
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("0.20"),
        price_per_part=Decimal("0.05"),  # the flat price, in EUR (BILLING_CURRENCY)
        consumer_group=f"billing-currencies-{uuid4().hex[:8]}",
        environment="test",
        companies=[CompanyConfig.model_validate(c) for c in COMPANIES],
        public_url="http://testserver",
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app, broker, database_url)


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


@pytest.fixture(scope="module")
async def any_token(auth_service: AuthClient) -> str:
    _, token = await auth_service.new_account("Token source")
    return token


@pytest.fixture(scope="module")
async def dollar_tariff(billing: Billing, ops: dict[str, str]) -> str:
    """The public tariff in dollars: 0.04 a part to the US, nothing elsewhere."""
    created = await billing.client.post(
        "/v1/ops/tariffs", json={"name": "Public USD", "currency": "USD"}, headers=ops
    )
    assert created.is_success, created.text
    version = await billing.client.post(
        f"/v1/ops/tariffs/{created.json()['id']}/versions",
        json={"prices": [{"prefix": "1", "price_per_part": "0.04"}]},
        headers=ops,
    )
    assert version.is_success, version.text
    billing.app.state.tariffs.invalidate()
    tariff_id: str = created.json()["id"]
    return tariff_id


async def register(
    billing: Billing, auth: AuthClient, any_token: str, country: str
) -> tuple[UUID, str]:
    """An account registered from `country`, and a token of its owner."""
    account_id = uuid4()
    await billing.process(
        AccountRegistered(
            account_id=account_id,
            email=f"{account_id}@example.com",
            company_name="Acme",
            country=country,
        )
    )
    return account_id, token_for(auth, any_token, account_id)


async def charge(billing: Billing, *events: MessageAccepted) -> None:
    from billing_service.ledger.service import charge_messages

    state = billing.app.state
    async with billing.sessionmaker() as session, session.begin():
        await charge_messages(session, state.pricing, state.tariffs, list(events))


async def test_an_account_keeps_its_money_in_its_companys_currency(
    billing: Billing, auth_service: AuthClient, any_token: str, dollar_tariff: str
) -> None:
    american, dollars = await register(billing, auth_service, any_token, "US")
    dutch, euros = await register(billing, auth_service, any_token, "NL")

    await charge(billing, accepted(american, 2, US), accepted(dutch, 1, UK))

    assert await billing.get(dollars, "/v1/billing/balance") == {
        "balance": "0.12",  # 0.20 starter credit less 2 parts at the dollar tariff's 0.04
        "credit_limit": "0.00",
        "available": "0.12",
        "currency": "USD",
    }
    assert (await billing.get(euros, "/v1/billing/balance"))["balance"] == "0.15"  # flat 0.05
    statement = (await billing.get(dollars, "/v1/billing/transactions"))["items"]
    assert [(t["kind"], t["amount"], t["currency"]) for t in statement] == [
        ("charge", "-0.08", "USD"),
        ("starter_credit", "0.20", "USD"),
    ]
    usage = await billing.get(dollars, "/v1/billing/usage", group_by="country")
    assert (usage["currency"], usage["total"]["amount"]) == ("USD", "0.08")
    tariff = await billing.get(dollars, "/v1/billing/tariff")
    assert tariff["currency"] == "USD"
    assert tariff["version"]["prices"] == [{"prefix": "1", "price_per_part": "0.04"}]


async def test_a_destination_without_a_price_in_the_accounts_currency_is_declined(
    billing: Billing, auth_service: AuthClient, any_token: str, dollar_tariff: str
) -> None:
    from billing_service.messages.models import AcceptedMessage

    american, dollars = await register(billing, auth_service, any_token, "US")
    to_uk = accepted(american, 1, UK)  # the euro flat price covers it; no dollar price does

    await charge(billing, to_uk)

    assert (await billing.get(dollars, "/v1/billing/balance"))["balance"] == "0.20"
    async with billing.sessionmaker() as session:
        row = await session.get(AcceptedMessage, to_uk.message_id)
    assert row is not None
    assert row.declined


async def test_money_in_another_currency_is_refused(
    billing: Billing,
    auth_service: AuthClient,
    any_token: str,
    ops: dict[str, str],
    dollar_tariff: str,
) -> None:
    american, dollars = await register(billing, auth_service, any_token, "US")
    headers = bearer(dollars)

    top_up = await billing.client.post(
        "/v1/billing/top-ups", json={"amount": "10.00", "currency": "EUR"}, headers=headers
    )
    invoice = await billing.client.post(
        "/v1/billing/invoices", json={"amount": "10.00", "currency": "EUR"}, headers=headers
    )
    plan = await billing.client.post(
        "/v1/ops/tariffs",
        json={"name": "VIP", "currency": "EUR", "account_id": str(american)},
        headers=ops,
    )
    unknown = await billing.client.post(
        "/v1/ops/tariffs", json={"name": "Yen", "currency": "JPY"}, headers=ops
    )
    second_dollar_public = await billing.client.post(
        "/v1/ops/tariffs", json={"name": "Again", "currency": "USD"}, headers=ops
    )
    in_dollars = await billing.client.post(
        "/v1/billing/top-ups", json={"amount": "10.00", "currency": "USD"}, headers=headers
    )

    assert_problem(top_up, 422, "currency_mismatch")
    assert_problem(invoice, 422, "currency_mismatch")
    assert_problem(plan, 422, "currency_mismatch")
    assert_problem(unknown, 422, "unsupported_currency")
    assert_problem(second_dollar_public, 409, "tariff_exists")
    assert in_dollars.status_code == 201, in_dollars.text
    assert in_dollars.json()["currency"] == "USD"
    assert (await billing.get(dollars, "/v1/billing/balance"))["balance"] == "0.20"


async def test_a_company_in_another_currency_takes_only_an_empty_balance(
    billing: Billing, auth_service: AuthClient, any_token: str, ops: dict[str, str]
) -> None:
    from billing_service.reconcile.service import reconcile

    american, dollars = await register(billing, auth_service, any_token, "US")
    move = {"company": "eu"}
    path = f"/v1/ops/accounts/{american}/company"

    refused = await billing.client.put(path, json=move, headers=ops)
    assert_problem(refused, 409, "currency_change_with_balance")
    assert (await billing.get(dollars, "/v1/billing/balance"))["currency"] == "USD"

    # Spent to nothing (an operator's penalty here), the balance may move.
    penalty = {"account_id": str(american), "amount": "0.20", "case_id": "R9-1", "reason": "x"}
    assert (await billing.client.post("/v1/ops/penalties", json=penalty, headers=ops)).is_success
    moved = await billing.client.put(path, json=move, headers=ops)
    assert moved.status_code == 200, moved.text
    assert await billing.get(dollars, "/v1/billing/balance") == {
        "balance": "0.00",
        "credit_limit": "0.00",
        "available": "0.00",
        "currency": "EUR",
    }
    await billing.credit(american, "1.00")
    await charge(billing, accepted(american, 1, UK))  # the euro flat price now
    assert (await billing.get(dollars, "/v1/billing/balance"))["balance"] == "0.95"
    # Its dollars stay in the dollar books, spent to zero; the euros balance alone.
    earlier = await billing.get(dollars, "/v1/billing/usage", currency="USD")
    assert earlier["currency"] == "USD"
    async with billing.sessionmaker() as session:
        report = await reconcile(session, [american])
    assert report.ok, report.render()


async def test_an_unverified_account_opened_before_its_company_moves_to_its_currency(
    billing: Billing, auth_service: AuthClient, any_token: str
) -> None:
    account_id = uuid4()
    # A message overtook the registration: the balance opened in BILLING_CURRENCY, empty
    # (the flat price declined: nothing to pay with).
    await charge(billing, accepted(account_id, 1, US))
    await billing.process(
        AccountRegistered(
            account_id=account_id,
            email=f"{account_id}@example.com",
            company_name="Acme",
            country="US",
            email_verified=False,
        )
    )

    shown = await billing.get(token_for(auth_service, any_token, account_id), "/v1/billing/balance")
    assert (shown["balance"], shown["currency"]) == ("0.00", "USD")


# --- the invariant, over two currencies ---------------------------------------------------

Operation = (
    tuple[Literal["charge"], int, int]
    | tuple[Literal["refund"], int, int]
    | tuple[Literal["credit"], int, int, int]
    | tuple[Literal["move"], int]
    | tuple[Literal["drain"], int]
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.integers(0, 1), st.integers(1, 3)),
        st.tuples(st.just("refund"), st.integers(0, 5), st.integers(1, 3)),
        st.tuples(st.just("credit"), st.integers(0, 1), st.integers(1, 3_000), st.integers(0, 2)),
        st.tuples(st.just("move"), st.integers(0, 1)),
        st.tuples(st.just("drain"), st.integers(0, 1)),
    ),
    max_size=12,
)
PRICES = {"EUR": 500, "USD": 400}  # units a part to the US: the flat 0.05 EUR, 0.04 USD


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(ops=operations)
async def test_each_currencys_books_balance_alone(
    billing: Billing,
    auth_service: AuthClient,
    any_token: str,
    ops_headers: dict[str, str],
    dollar_tariff: str,
    ops: list[Operation],
) -> None:
    """Two accounts, one in euros and one in dollars, charged, refunded, credited and moved
    between the two companies at random: every balance is what the model says in the
    currency the model says, and every currency's books sum to zero."""
    from billing_service.ledger.models import LedgerPosting
    from billing_service.ledger.repository import LedgerRepository
    from billing_service.ledger.service import post_credit, refund_part
    from billing_service.reconcile.service import reconcile

    accounts = [await register(billing, auth_service, any_token, c) for c in ("NL", "US")]
    ids = [account_id for account_id, _ in accounts]
    # The starter credit, 0.20, in each one's currency.
    model: list[dict[str, Any]] = [
        {"units": 2_000, "currency": "EUR"},
        {"units": 2_000, "currency": "USD"},
    ]
    charged: list[tuple[int, MessageAccepted, str]] = []  # account, event, currency charged
    refunded: set[tuple[UUID, int]] = set()
    keys: set[tuple[int, int]] = set()
    for op in ops:
        if op[0] == "charge":
            _, who, segments = op
            event = accepted(ids[who], segments, US)
            await charge(billing, event)
            cost = segments * PRICES[model[who]["currency"]]
            if cost <= model[who]["units"]:
                model[who]["units"] -= cost
                charged.append((who, event, model[who]["currency"]))
        elif op[0] == "refund" and charged:
            who, event, currency = charged[op[1] % len(charged)]
            part = min(op[2], event.segments)
            async with billing.sessionmaker() as session, session.begin():
                await refund_part(session, event.message_id, part)
            if (event.message_id, part) not in refunded:
                refunded.add((event.message_id, part))
                # Back into the balance if it is still kept in the charge's currency; else
                # owed as refunds payable in that currency, the balance untouched.
                if currency == model[who]["currency"]:
                    model[who]["units"] += PRICES[currency]
        elif op[0] == "credit":
            _, who, amount, key = op
            async with billing.sessionmaker() as session, session.begin():
                posted = await post_credit(
                    session,
                    account_id=ids[who],
                    amount_units=amount,
                    kind="top_up",
                    idempotency_key=f"cur:{ids[who]}:{key}",
                )
            assert posted == ((who, key) not in keys)
            if posted:
                keys.add((who, key))
                model[who]["units"] += amount
        elif op[0] == "drain" and model[op[1]]["units"]:
            # An operator's penalty of the whole balance: what lets a move happen.
            who = op[1]
            penalty = {
                "account_id": str(ids[who]),
                "amount": str(Decimal(model[who]["units"]).scaleb(-4)),
                "case_id": f"R9-{uuid4().hex[:12]}",
                "reason": "Drained for a move",
            }
            drained = await billing.client.post(
                "/v1/ops/penalties", json=penalty, headers=ops_headers
            )
            assert drained.status_code == 201, drained.text
            model[who]["units"] = 0
        elif op[0] == "move":
            who = op[1]
            target = "us" if model[who]["currency"] == "EUR" else "eu"
            moved = await billing.client.put(
                f"/v1/ops/accounts/{ids[who]}/company",
                json={"company": target},
                headers=ops_headers,
            )
            if model[who]["units"] == 0:
                assert moved.status_code == 200, moved.text
                model[who]["currency"] = "USD" if target == "us" else "EUR"
            else:
                assert_problem(moved, 409, "currency_change_with_balance")
        for who, account_id in enumerate(ids):
            async with billing.sessionmaker() as session:
                state = await LedgerRepository(session).balance(account_id)
            assert state is not None
            assert (state.amount_units, state.currency) == (
                model[who]["units"],
                model[who]["currency"],
            )
            assert state.amount_units >= 0
    async with billing.sessionmaker() as session:
        # Every posting of the database, by currency: each currency's books sum to zero.
        books = await session.execute(
            select(LedgerPosting.currency, func.sum(LedgerPosting.amount_units)).group_by(
                LedgerPosting.currency
            )
        )
        assert {currency: int(total) for currency, total in books} == {"EUR": 0, "USD": 0}
        report = await reconcile(session, ids)
    assert report.ok, report.render()


@pytest.fixture(scope="module")
async def ops_headers(ops: dict[str, str]) -> dict[str, str]:
    return ops


async def _versions_said(broker: str, version_id: UUID) -> list[str | None]:
    """The currency of every `tariff.published` for the version on the topic, in order."""
    from aiokafka import AIOKafkaConsumer

    from shared.events import TariffPublished, parse_event

    consumer = AIOKafkaConsumer(
        TariffPublished.topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    said: list[str | None] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                for record in records:
                    event = parse_event(record.value)
                    if isinstance(event, TariffPublished) and event.version_id == version_id:
                        said.append(event.currency)
    finally:
        await consumer.stop()
    return said


async def test_republishing_tells_dispatch_every_versions_currency(
    billing: Billing, ops: dict[str, str], dollar_tariff: str
) -> None:
    from billing_service.config import BillingSettings
    from billing_service.tariffs.__main__ import republish

    listed = (await billing.client.get("/v1/ops/tariffs", headers=ops)).json()["items"]
    (tariff,) = [t for t in listed if t["id"] == dollar_tariff]
    version_id = UUID(tariff["versions"][0]["id"])
    before = await _versions_said(billing.broker, version_id)

    count = await republish(BillingSettings(database_url=billing.database_url))

    assert count >= 1
    async with asyncio.timeout(30):
        while len(after := await _versions_said(billing.broker, version_id)) == len(before):
            await asyncio.sleep(0.2)
    assert after[len(before) :] == ["USD"]

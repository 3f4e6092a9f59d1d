"""Payments, invoices and contracting companies (issue 10 items 4 and 5) against PostgreSQL
and the broker: money enters a balance only through a verified, fresh, never-replayed
provider notice or an invoice an operator marks paid, once; documents are numbered without
gaps per company and year and their PDFs print the totals.

Companies: `eu` (the default, VAT 21 %), `uk` (serves GB, VAT 20 %) and `ch` (serves CH, no
VAT), all in EUR like the balances. Starter credit 0.20 EUR."""

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pypdf import PdfReader

from shared.events import AccountRegistered, BillingAccountEvent, parse_event, utcnow
from shared.kafka import new_producer
from tests.integration.test_billing import Billing, accepted, publish
from tests.integration.test_senders import assert_problem, token_as
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30

COMPANIES = [
    {
        "code": "eu",
        "legal_name": "smsgw Europe B.V.",
        "country": "NL",
        "currency": "EUR",
        "vat_rate": "21",
        "vat_id": "NL000000000B01",
        "invoice_prefix": "EU",
        "address": "Keizersgracht 1, Amsterdam",
        "bank_details": "IBAN NL91 ABNA 0417 1643 00, BIC ABNANL2A",
    },
    {
        "code": "uk",
        "legal_name": "smsgw UK Ltd",
        "country": "GB",
        "currency": "EUR",
        "vat_rate": "20",
        "invoice_prefix": "UK",
        "address": "1 Long Acre, London",
        "bank_details": "IBAN GB29 NWBK 6016 1331 9268 19",
        "serves_countries": ["GB"],
    },
    {
        "code": "ch",
        "legal_name": "smsgw Schweiz AG",
        "country": "CH",
        "currency": "EUR",
        "vat_rate": None,
        "invoice_prefix": "CH",
        "address": "Bahnhofstrasse 1, Zurich",
        "bank_details": "IBAN CH93 0076 2011 6238 5295 7",
        "serves_countries": ["CH"],
    },
]


@pytest.fixture(scope="module")
async def billing(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Billing]:
    from billing_service.companies.config import CompanyConfig
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("0.20"),
        environment="test",
        companies=[CompanyConfig.model_validate(c) for c in COMPANIES],
        public_url="http://testserver",
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


def token_for(auth: AuthClient, any_token: str, account_id: UUID, role: str = "owner") -> str:
    """A token of auth's key for an account registered by event only (its country chosen)."""
    claims = jwt.decode(any_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(any_token)["kid"]
    claims |= {"account_id": str(account_id), "role": role, "sub": str(uuid4())}
    return jwt.encode(claims, auth.signing_key_file.read_bytes(), "RS256", headers={"kid": kid})


async def registered(
    billing: Billing,
    producer: AIOKafkaProducer,
    auth: AuthClient,
    country: str | None = None,
) -> tuple[UUID, dict[str, str]]:
    """An account billing has opened (starter credit 0.20), registered from `country`."""
    _, any_token = await auth.new_account("Token source")
    account_id = uuid4()
    event = AccountRegistered(
        account_id=account_id,
        email=f"{account_id}@example.com",
        company_name="Acme",
        country=country,
    )
    await publish(producer, event)
    await billing.wait_until_handled(event.event_id)
    return account_id, bearer(token_for(auth, any_token, account_id))


async def balance(billing: Billing, headers: dict[str, str]) -> str:
    response = await billing.client.get("/v1/billing/balance", headers=headers)
    assert response.status_code == 200, response.text
    amount: str = response.json()["balance"]
    return amount


def sandbox(billing: Billing) -> Any:
    return billing.app.state.payment_providers["test"]


async def top_up(billing: Billing, headers: dict[str, str], amount: str) -> dict[str, Any]:
    response = await billing.client.post(
        "/v1/billing/top-ups", json={"amount": amount}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def units(amount: str) -> int:
    return int(Decimal(amount) * 10_000)


async def deliver(billing: Billing, body: bytes, headers: dict[str, str]) -> httpx.Response:
    # No bearer token: the provider has none; the signature is the credential.
    return await billing.client.post(
        "/v1/billing/providers/test/webhook", content=body, headers=headers
    )


# --- companies and VAT ------------------------------------------------------------------


async def test_company_follows_registration_country_and_operators_change_it(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient, ops: dict[str, str]
) -> None:
    _, british = await registered(billing, producer, auth_service, "GB")
    elsewhere_id, elsewhere = await registered(billing, producer, auth_service, "BR")

    uk = (await billing.client.get("/v1/billing/company", headers=british)).json()
    default = (await billing.client.get("/v1/billing/company", headers=elsewhere)).json()
    assert (uk["code"], uk["vat_rate"]) == ("uk", "20")
    assert (default["code"], default["vat_rate"]) == ("eu", "21")

    unknown = await billing.client.put(
        f"/v1/ops/accounts/{elsewhere_id}/company", json={"company": "mars"}, headers=ops
    )
    assert_problem(unknown, 422, "unknown_company")
    not_operator = await billing.client.put(
        f"/v1/ops/accounts/{elsewhere_id}/company", json={"company": "ch"}, headers=elsewhere
    )
    assert_problem(not_operator, 403, "forbidden")
    moved = await billing.client.put(
        f"/v1/ops/accounts/{elsewhere_id}/company", json={"company": "ch"}, headers=ops
    )
    assert moved.status_code == 200, moved.text
    now = (await billing.client.get("/v1/billing/company", headers=elsewhere)).json()
    assert (now["code"], now["vat_rate"]) == ("ch", None)
    missing = await billing.client.put(
        f"/v1/ops/accounts/{uuid4()}/company", json={"company": "ch"}, headers=ops
    )
    assert_problem(missing, 404, "not_found")


async def test_auth_registration_with_a_phone_picks_its_countrys_company(
    billing: Billing, auth_service: AuthClient
) -> None:
    email = f"uk-{uuid4().hex[:8]}@example.com"
    credentials = {"email": email, "password": "correct horse battery"}
    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as http:
        registered = await http.post(
            "/v1/auth/register",
            json={**credentials, "company_name": "Brit Ltd", "phone": "+44 7700 900123"},
        )
        assert registered.status_code == 202, registered.text
        login = (await http.post("/v1/auth/login", json=credentials)).json()
    headers = bearer(login["access_token"])

    async with asyncio.timeout(WAIT_SECONDS):
        while await balance(billing, headers) != "0.20":  # billing handled the registration
            await asyncio.sleep(0.1)
    company = (await billing.client.get("/v1/billing/company", headers=headers)).json()
    assert company["code"] == "uk"


async def test_vat_is_per_line_rounded_half_up_to_the_cent() -> None:
    from billing_service.companies.vat import vat_units

    # 0.05 EUR at 21 % is 0.0105: half a cent and more rounds up to 0.01.
    assert vat_units(units("0.05"), Decimal("21")) == units("0.01")
    # 0.02 at 21 % is 0.0042: below half a cent, none.
    assert vat_units(units("0.02"), Decimal("21")) == 0
    # 0.10 at 5 % is exactly half a cent: half up.
    assert vat_units(units("0.10"), Decimal("5")) == units("0.01")
    assert vat_units(units("123.45"), Decimal("7.7")) == units("9.51")
    assert vat_units(units("100.00"), None) == 0


# --- card top-ups ---------------------------------------------------------------------------


async def test_top_up_credits_once_through_signed_webhook(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, headers = await registered(billing, producer, auth_service, "GB")
    payment = await top_up(billing, headers, "50.00")
    assert (payment["amount"], payment["vat"], payment["total"]) == ("50.00", "10.00", "60.00")
    assert payment["status"] == "pending"
    page = await billing.client.get(payment["checkout_url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "60.00 EUR" in page.text

    body, signed = sandbox(billing).signed_notice(
        UUID(payment["id"]), "succeeded", units("60.00"), "EUR"
    )
    first = await deliver(billing, body, signed)
    assert first.json() == {"payment_id": payment["id"], "status": "succeeded"}
    assert await balance(billing, headers) == "50.20"

    # The same delivery again: refused, nothing credited.
    assert_problem(await deliver(billing, body, signed), 409, "webhook_replayed")
    # A new delivery about the same payment (a provider's retry): answered, not credited.
    again, again_headers = sandbox(billing).signed_notice(
        UUID(payment["id"]), "succeeded", units("60.00"), "EUR"
    )
    retried = await deliver(billing, again, again_headers)
    assert retried.json()["status"] == "succeeded"
    assert await balance(billing, headers) == "50.20"
    shown = await billing.client.get(f"/v1/billing/top-ups/{payment['id']}", headers=headers)
    assert shown.json()["status"] == "succeeded"
    kinds = [e["kind"] for e in await billing.transactions(headers["Authorization"][7:])]
    assert kinds.count("top_up") == 1


async def test_bad_or_stale_signatures_and_wrong_amounts_create_no_money(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    from billing_service.payments.providers.test import SandboxProvider

    _, headers = await registered(billing, producer, auth_service)
    payment = await top_up(billing, headers, "10.00")
    payment_id = UUID(payment["id"])

    forger = SandboxProvider("whsec_" + "Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0", "http://x")
    body, forged = forger.signed_notice(payment_id, "succeeded", units("12.10"), "EUR")
    assert_problem(await deliver(billing, body, forged), 400, "invalid_signature")
    tampered_body, good = sandbox(billing).signed_notice(
        payment_id, "succeeded", units("12.10"), "EUR"
    )
    tampered = tampered_body.replace(b"12.10", b"99.10")
    assert_problem(await deliver(billing, tampered, good), 400, "invalid_signature")
    stale_body, stale = sandbox(billing).signed_notice(
        payment_id, "succeeded", units("12.10"), "EUR", at=utcnow() - timedelta(minutes=10)
    )
    assert_problem(await deliver(billing, stale_body, stale), 400, "invalid_signature")
    unsigned = {"content-type": "application/json"}
    assert_problem(await deliver(billing, stale_body, unsigned), 400, "invalid_signature")
    short_body, short = sandbox(billing).signed_notice(
        payment_id, "succeeded", units("1.00"), "EUR"
    )
    assert_problem(await deliver(billing, short_body, short), 422, "amount_mismatch")
    usd_body, usd = sandbox(billing).signed_notice(payment_id, "succeeded", units("12.10"), "USD")
    assert_problem(await deliver(billing, usd_body, usd), 422, "amount_mismatch")

    assert await balance(billing, headers) == "0.20"
    # The refused deliveries were not recorded: the genuine one still goes through.
    real_body, real = sandbox(billing).signed_notice(
        payment_id, "succeeded", units("12.10"), "EUR", delivery_id=short["webhook-id"]
    )
    assert (await deliver(billing, real_body, real)).status_code == 200
    assert await balance(billing, headers) == "10.20"


async def test_a_declined_payment_credits_nothing(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    _, headers = await registered(billing, producer, auth_service, "CH")
    payment = await top_up(billing, headers, "5.00")
    assert payment["total"] == "5.00", "no VAT for the Swiss company"
    body, signed = sandbox(billing).signed_notice(
        UUID(payment["id"]), "failed", units("5.00"), "EUR"
    )
    assert (await deliver(billing, body, signed)).json()["status"] == "failed"
    # A success after the decline does not revive it.
    body, signed = sandbox(billing).signed_notice(
        UUID(payment["id"]), "succeeded", units("5.00"), "EUR"
    )
    assert (await deliver(billing, body, signed)).json()["status"] == "failed"
    assert await balance(billing, headers) == "0.20"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": "0"}, "invalid_amount"),
        ({"amount": "-5.00"}, "invalid_amount"),
        ({"amount": "10.001"}, "invalid_amount"),
        ({"amount": "ten"}, "invalid_amount"),
        ({"amount": "NaN"}, "invalid_amount"),
        ({"amount": "1000000.01"}, "invalid_amount"),
        ({"amount": "10.00", "currency": "USD"}, "currency_mismatch"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/billing/top-ups", "/v1/billing/invoices"])
async def test_bad_amounts_are_refused_and_change_nothing(
    billing: Billing,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
    path: str,
    body: dict[str, str],
    code: str,
) -> None:
    _, headers = await registered(billing, producer, auth_service)
    assert_problem(await billing.client.post(path, json=body, headers=headers), 422, code)
    listed = await billing.client.get("/v1/billing/invoices", headers=headers)
    assert listed.json()["items"] == []
    assert await balance(billing, headers) == "0.20"


async def test_only_billing_managers_start_payments(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    account_id, headers = await registered(billing, producer, auth_service)
    _, any_token = await auth_service.new_account()
    viewer = bearer(token_for(auth_service, any_token, account_id, "viewer"))
    for path in ("/v1/billing/top-ups", "/v1/billing/invoices"):
        refused = await billing.client.post(path, json={"amount": "1.00"}, headers=viewer)
        assert_problem(refused, 403, "forbidden")


# --- invoices -------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_invoice_paid_by_operator_credits_once_and_prints_its_totals(
    billing: Billing,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
    ops: dict[str, str],
    broker: str,
) -> None:
    account_id, headers = await registered(billing, producer, auth_service, "GB")
    issued = await billing.client.post(
        "/v1/billing/invoices", json={"amount": "123.45"}, headers=headers
    )
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    year = utcnow().year
    assert invoice["number"].startswith(f"UK-{year}-")
    assert (invoice["net"], invoice["vat"], invoice["total"]) == ("123.45", "24.69", "148.14")
    assert invoice["lines"][0]["vat_rate"] == "20"

    pdf = await billing.client.get(invoice["pdf_url"], headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in (invoice["number"], "smsgw UK Ltd", "GB29 NWBK", "148.14", "24.69", "123.45"):
        assert expected in text, expected

    _, stranger = await registered(billing, producer, auth_service)
    hidden = await billing.client.get(invoice["pdf_url"], headers=stranger)
    assert_problem(hidden, 404, "not_found")
    assert (await billing.client.get("/v1/billing/invoices", headers=stranger)).json()[
        "items"
    ] == []

    assert await balance(billing, headers) == "0.20"
    # The transfer's reference is the number: operators find the invoice by it.
    found = await billing.client.get(
        "/v1/ops/invoices", params={"number": invoice["number"]}, headers=ops
    )
    assert [(i["id"], i["account_id"], i["status"]) for i in found.json()["items"]] == [
        (invoice["id"], str(account_id), "issued")
    ]
    peek = await billing.client.get("/v1/ops/invoices", headers=headers)
    assert_problem(peek, 403, "forbidden")
    paid = await billing.client.post(f"/v1/ops/invoices/{invoice['id']}/paid", headers=ops)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    twice = await billing.client.post(f"/v1/ops/invoices/{invoice['id']}/paid", headers=ops)
    assert_problem(twice, 409, "invoice_already_paid")
    assert await balance(billing, headers) == "123.65"
    unpaid = await billing.client.get(
        "/v1/ops/invoices", params={"account_id": str(account_id), "status": "issued"}, headers=ops
    )
    assert unpaid.json()["items"] == []
    customer = await billing.client.post(f"/v1/ops/invoices/{invoice['id']}/paid", headers=headers)
    assert_problem(customer, 403, "forbidden")

    # The outbox announced the invoice and the payment on billing.accounts.
    seen = await billing_events(
        broker, account_id, {"billing.invoice_issued", "billing.payment_received"}
    )
    assert seen["billing.invoice_issued"]["number"] == invoice["number"]
    assert seen["billing.payment_received"]["method"] == "bank_transfer"


async def billing_events(broker: str, account_id: UUID, types: set[str]) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        BillingAccountEvent.topic,
        bootstrap_servers=broker,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: dict[str, Any] = {}
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not types <= found.keys():
                async for record in consumer:
                    event = parse_event(record.value)
                    if getattr(event, "account_id", None) == account_id:
                        found[event.type] = event.model_dump(mode="json")
                    if types <= found.keys():
                        break
    finally:
        await consumer.stop()
    return found


async def test_invoice_numbers_have_no_gaps_under_concurrency(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    accounts = [await registered(billing, producer, auth_service, "CH") for _ in range(4)]

    async def issue(headers: dict[str, str], amount: str) -> httpx.Response:
        return await billing.client.post(
            "/v1/billing/invoices", json={"amount": amount}, headers=headers
        )

    # Valid and invalid requests interleaved: a refused one must not consume a number.
    answers = await asyncio.gather(
        *(
            issue(headers, amount)
            for headers in (h for _, h in accounts)
            for amount in ("10.00", "-1", "20.00", "0.001", "30.00")
        )
    )
    numbers = sorted(a.json()["number"] for a in answers if a.status_code == 201)
    assert sum(a.status_code == 422 for a in answers) == 8
    year = utcnow().year
    sequences = sorted(int(n.removeprefix(f"CH-{year}-")) for n in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 12)), numbers
    assert sequences[0] == 1, "the Swiss company's first invoices of the year"

    # Each account pages through its own three, newest first, none twice.
    _, headers = accounts[0]
    first = (
        await billing.client.get("/v1/billing/invoices", params={"limit": 2}, headers=headers)
    ).json()
    rest = (
        await billing.client.get(
            "/v1/billing/invoices",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=headers,
        )
    ).json()
    pages = [item["number"] for item in first["items"] + rest["items"]]
    assert len(set(pages)) == 3
    assert rest["next_cursor"] is None
    assert sorted(item["net"] for item in first["items"] + rest["items"]) == [
        "10.00",
        "20.00",
        "30.00",
    ]
    made_up = await billing.client.get(
        "/v1/billing/invoices", params={"cursor": "not-a-cursor"}, headers=headers
    )
    assert_problem(made_up, 422, "invalid_cursor")


async def test_the_test_providers_checkout_pays_through_its_webhook(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    """The dev flow end to end over HTTP: the checkout page, its Pay button, and the signed
    webhook the provider sends to billing's public URL."""
    from billing_service.config import DEV_TEST_PROVIDER_SECRET, BillingSettings
    from billing_service.ledger.service import open_account
    from billing_service.main import create_app
    from billing_service.payments.providers.test import SandboxProvider

    settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"billing-checkout-{uuid4().hex[:8]}",
    )
    app = create_app(settings)
    account_id = uuid4()
    _, any_token = await auth_service.new_account()
    headers = bearer(token_for(auth_service, any_token, account_id))
    async with served_app(app) as url, httpx.AsyncClient(base_url=url, timeout=15) as http:
        # Its public URL is known once it listens; make dev sets the gateway's.
        app.state.payment_providers["test"] = SandboxProvider(DEV_TEST_PROVIDER_SECRET, url)
        async with app.state.runtime.sessionmaker() as session, session.begin():
            await open_account(session, app.state.pricing, account_id)

        started = await http.post("/v1/billing/top-ups", json={"amount": "20.00"}, headers=headers)
        assert started.status_code == 201, started.text
        checkout_url = started.json()["checkout_url"]
        assert checkout_url.startswith(f"{url}/v1/billing/providers/test/checkout?")
        page = await http.get(checkout_url)
        assert "Pay 24.20 EUR" in page.text
        paid = await http.post(
            "/v1/billing/providers/test/checkout",
            data={"payment_id": started.json()["id"], "outcome": "succeeded"},
        )
        assert "the webhook answered 200" in paid.text, paid.text
        shown = await http.get(f"/v1/billing/top-ups/{started.json()['id']}", headers=headers)
        balance = await http.get("/v1/billing/balance", headers=headers)

    assert shown.json()["status"] == "succeeded"
    assert balance.json()["balance"] == "20.00"


async def test_production_refuses_the_test_provider() -> None:
    from pydantic import ValidationError

    from billing_service.config import BillingSettings

    with pytest.raises(ValidationError, match="BILLING_TEST_PROVIDER_ENABLED"):
        BillingSettings(environment="production")
    # Without it, production starts (this raises otherwise).
    BillingSettings(environment="production", test_provider_enabled=False)


# --- monthly acts -------------------------------------------------------------------------


async def test_monthly_act_lists_the_charges_once_with_vat(
    billing: Billing, producer: AIOKafkaProducer, auth_service: AuthClient
) -> None:
    from billing_service.acts.service import Month, issue_acts

    account_id, headers = await registered(billing, producer, auth_service)
    _, idle = await registered(billing, producer, auth_service)
    for segments in (1, 2):  # 0.05 + 0.10 at the flat price
        await publish(producer, accepted(account_id, segments=segments))

    async def spent() -> bool:
        return await balance(billing, headers) == "0.05"

    async with asyncio.timeout(WAIT_SECONDS):
        while not await spent():
            await asyncio.sleep(0.1)

    this_month = Month.before(utcnow() + timedelta(days=32))
    # The job as the 1st of next month runs it: an injected clock, no waiting for it.
    next_month = this_month.end + timedelta(hours=3)
    app_state = billing.app.state
    sessionmaker = app_state.runtime.sessionmaker
    issued = await issue_acts(sessionmaker, app_state.companies, lambda: next_month)
    again = await issue_acts(sessionmaker, app_state.companies, lambda: next_month)
    # One act for each account that was charged this month (the module's other tests charge
    # theirs too), none for the idle one, and none again.
    assert len(issued) >= 1
    assert again == [], "an act per account and month, once"

    [act] = (await billing.client.get("/v1/billing/invoices", headers=headers)).json()["items"]
    assert (act["document"], act["period"]) == ("act", this_month.period)
    assert re.fullmatch(rf"EU-A-{next_month.year}-\d{{6}}", act["number"]), act["number"]
    # 0.15 net, VAT 21 % = 0.0315 -> 0.03.
    assert (act["net"], act["vat"], act["total"]) == ("0.15", "0.03", "0.18")
    assert act["lines"][0]["quantity"] == 2
    text = pdf_text((await billing.client.get(act["pdf_url"], headers=headers)).content)
    for expected in (act["number"], this_month.period, "0.18", "0.15", "0.03"):
        assert expected in text, expected
    assert (await billing.client.get("/v1/billing/invoices", headers=idle)).json()["items"] == []

    ops_token = token_as(auth_service, headers["Authorization"][7:], "ops")
    not_payable = await billing.client.post(
        f"/v1/ops/invoices/{act['id']}/paid", headers=bearer(ops_token)
    )
    assert_problem(not_payable, 409, "not_payable")
    assert await balance(billing, headers) == "0.05"


async def test_acts_of_a_month_not_over_are_refused() -> None:
    from billing_service.acts.service import Month, issue_acts
    from billing_service.companies.config import DEFAULT_COMPANIES, Companies

    companies = Companies({"eu": DEFAULT_COMPANIES[0]}, DEFAULT_COMPANIES[0])
    current = Month(utcnow().year, utcnow().month)
    with pytest.raises(ValueError, match="not over"):
        await issue_acts(None, companies, utcnow, current)  # type: ignore[arg-type]

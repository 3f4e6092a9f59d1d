"""The country allow-list by contracting company (issue 10 item 1), against the real billing
and dispatch apps on one broker, auth's tokens and PostgreSQL: an account may send to its
contracting company's country and the countries that company serves, plus what an operator
enabled, and follows an operator's move to another company; an account billing has not
assigned yet gets the default list alone."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import delete

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch
from shared.kafka import new_producer
from tests.integration.test_billing import Billing
from tests.integration.test_payments import COMPANIES, registered, token_for
from tests.integration.test_senders import token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30
UK = "+447700900123"
SWISS = "+41791234567"
DUTCH = "+31612345678"
FRANCE = "+33612345678"


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
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app)


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_dispatch(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
            consumer_group=f"dispatch-by-company-{uuid4().hex[:8]}",
            allow_list_by_company=True,
            destinations_refresh_seconds=0,
            max_backlog=None,
            max_backlog_per_account=None,
        )
    )
    async with running_app(app) as client:
        client.app = app  # type: ignore[attr-defined]  # its database, for one test
        yield client


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    kafka_producer = new_producer(broker)
    await kafka_producer.start()
    yield kafka_producer
    await kafka_producer.stop()


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return {"Authorization": f"Bearer {token_as(auth_service, token, 'ops')}"}


async def send(dispatch: httpx.AsyncClient, headers: dict[str, str], to: str) -> httpx.Response:
    return await dispatch.post("/v1/messages", json={"to": to, "text": "Hi"}, headers=headers)


def refused(response: httpx.Response, country: str) -> None:
    assert response.status_code == 403, response.text
    body: dict[str, Any] = response.json()
    assert (body["code"], body["country"]) == ("country_not_allowed", country)


async def eventually_sends(dispatch: httpx.AsyncClient, headers: dict[str, str], to: str) -> None:
    """Billing's word reaches dispatch through the broker: until then the number is refused."""
    response = await send(dispatch, headers, to)
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while response.status_code == 403:
                await asyncio.sleep(0.2)
                response = await send(dispatch, headers, to)
    except TimeoutError:
        raise AssertionError(f"still refused: {response.text}") from None
    assert response.status_code == 202, response.text


async def test_an_account_sends_to_its_companys_countries_and_follows_a_move(
    billing: Billing,
    dispatch: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
    ops: dict[str, str],
) -> None:
    account_id, headers = await registered(billing, producer, auth_service, "GB")

    await eventually_sends(dispatch, headers, UK)  # the UK company's own country
    refused(await send(dispatch, headers, FRANCE), "FR")
    refused(await send(dispatch, headers, SWISS), "CH")
    shown = await dispatch.get(f"/v1/ops/destinations/{account_id}", headers=ops)
    assert shown.json()["default_countries"] == ["GB"]

    # An operator enables one more country, beside the company's.
    enabled = await dispatch.put(
        f"/v1/ops/destinations/{account_id}", json={"allowed_countries": ["FR"]}, headers=ops
    )
    assert enabled.status_code == 200, enabled.text
    assert (await send(dispatch, headers, FRANCE)).status_code == 202

    # Moved to the Swiss company: Switzerland now, the UK no longer.
    moved = await billing.client.put(
        f"/v1/ops/accounts/{account_id}/company", json={"company": "ch"}, headers=ops
    )
    assert moved.status_code == 200, moved.text
    await eventually_sends(dispatch, headers, SWISS)
    refused(await send(dispatch, headers, UK), "GB")
    assert (await send(dispatch, headers, FRANCE)).status_code == 202


async def test_accounts_from_before_the_event_are_announced_once_by_hand(
    billing: Billing,
    dispatch: httpx.AsyncClient,
    producer: AIOKafkaProducer,
    auth_service: AuthClient,
) -> None:
    from billing_service.companies.__main__ import announce
    from dispatch_service.destinations.models import AccountCompanyCountries

    account_id, headers = await registered(billing, producer, auth_service, "CH")
    await eventually_sends(dispatch, headers, SWISS)
    # As if billing had assigned it before it said so to dispatch.
    sessionmaker = dispatch.app.state.runtime.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session, session.begin():
        await session.execute(
            delete(AccountCompanyCountries).where(AccountCompanyCountries.account_id == account_id)
        )
    refused(await send(dispatch, headers, SWISS), "CH")

    assert await announce(billing.app.state.runtime.settings) >= 1

    await eventually_sends(dispatch, headers, SWISS)


async def test_an_account_billing_has_not_assigned_may_send_nowhere_yet(
    dispatch: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, any_token = await auth_service.new_account("Token source")
    # An account nobody registered, so no company is coming for it.
    headers = {"Authorization": f"Bearer {token_for(auth_service, any_token, uuid4())}"}
    # No default list configured, no company heard of: nothing but what operators enable.
    for to, country in ((UK, "GB"), (DUTCH, "NL")):
        refused(await send(dispatch, headers, to), country)

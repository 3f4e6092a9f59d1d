"""High-risk destinations and the country allow-list at dispatch's intake, against the real
dispatch app, auth's tokens and PostgreSQL: a premium/satellite number or a country outside
the allow-list is refused, a single with a 403 and nothing stored, a batch per entry."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from tests.integration.test_senders import token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

UK = "+447700900123"
FRANCE = "+33612345678"
SATELLITE = "+881631234567"  # Iridium
PREMIUM = "+979123456789"  # international premium rate


@pytest.fixture(scope="module")
async def client(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
            consumer_group=f"dispatch-destinations-{uuid4().hex[:8]}",
            default_allowed_countries="GB",  # type: ignore[arg-type]
            max_backlog=None,
            max_backlog_per_account=None,
        )
    )
    async with running_app(app) as client:
        yield client


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    return problem


async def _stored(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get("/v1/messages", headers=_auth(token))
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


async def test_high_risk_ranges_and_other_countries_are_refused_and_nothing_stored(
    client: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    for to, category in ((SATELLITE, "satellite"), (PREMIUM, "international_premium")):
        response = await client.post(
            "/v1/messages", json={"to": to, "text": "Hi"}, headers=_auth(token)
        )
        assert _problem(response, "destination_blocked")["category"] == category
    response = await client.post(
        "/v1/messages", json={"to": FRANCE, "text": "Hi"}, headers=_auth(token)
    )
    assert _problem(response, "country_not_allowed")["country"] == "FR"
    assert await _stored(client, token) == 0

    response = await client.post(
        "/v1/messages", json={"to": UK, "text": "Hi"}, headers=_auth(token)
    )
    assert response.status_code == 202, response.text
    assert await _stored(client, token) == 1


async def test_a_batch_refuses_such_entries_one_by_one(
    client: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    response = await client.post(
        "/v1/messages/batch",
        json={"text": "Hi", "to": [UK, SATELLITE, FRANCE]},
        headers=_auth(token),
    )
    assert response.status_code == 202, response.text
    rejected = {entry["index"]: entry["code"] for entry in response.json()["rejected"]}
    assert rejected == {1: "destination_blocked", 2: "country_not_allowed"}
    assert await _stored(client, token) == 1


async def test_both_refusals_are_documented_on_intake(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/v1/messages", "/v1/messages/batch"):
        description = paths[path]["post"]["responses"]["403"]["description"]
        assert "destination_blocked" in description
        assert "country_not_allowed" in description


# --- what operators enable per account -----------------------------------------------------


@pytest.fixture
async def ops(auth_service: AuthClient) -> str:
    _, token = await auth_service.new_account("Platform operators")
    return token_as(auth_service, token, "ops")


async def _enable(
    client: httpx.AsyncClient, ops: str, account_id: object, **body: Any
) -> httpx.Response:
    return await client.put(f"/v1/ops/destinations/{account_id}", json=body, headers=_auth(ops))


async def _send(client: httpx.AsyncClient, token: str, to: str) -> httpx.Response:
    return await client.post("/v1/messages", json={"to": to, "text": "Hi"}, headers=_auth(token))


async def test_an_operator_enables_a_category_and_a_country_for_one_account(
    client: httpx.AsyncClient, auth_service: AuthClient, ops: str
) -> None:
    account_id, token = await auth_service.new_account()
    _, neighbour = await auth_service.new_account()

    enabled = await _enable(
        client,
        ops,
        account_id,
        allowed_categories=["satellite"],
        allowed_countries=["fr"],
        note="shipping fleet contract",
    )

    assert enabled.status_code == 200, enabled.text
    shown = enabled.json()
    assert (shown["allowed_categories"], shown["allowed_countries"]) == (["satellite"], ["FR"])
    assert shown["default_countries"] == ["GB"]
    assert "international_premium" in shown["categories_available"]
    assert (await _send(client, token, SATELLITE)).status_code == 202
    assert (await _send(client, token, FRANCE)).status_code == 202
    # Only what was enabled, and only for that account.
    _problem(await _send(client, token, PREMIUM), "destination_blocked")
    _problem(await _send(client, neighbour, SATELLITE), "destination_blocked")
    _problem(await _send(client, neighbour, FRANCE), "country_not_allowed")
    # A batch is screened with the same exceptions.
    batch = await client.post(
        "/v1/messages/batch",
        json={"text": "Hi", "to": [SATELLITE, FRANCE, PREMIUM]},
        headers=_auth(token),
    )
    assert batch.status_code == 202, batch.text
    assert [entry["index"] for entry in batch.json()["rejected"]] == [2]


async def test_the_set_is_replaced_so_disabling_refuses_again(
    client: httpx.AsyncClient, auth_service: AuthClient, ops: str
) -> None:
    account_id, token = await auth_service.new_account()
    await _enable(client, ops, account_id, allowed_countries=["FR"])
    assert (await _send(client, token, FRANCE)).status_code == 202

    disabled = await _enable(client, ops, account_id, allowed_countries=[])

    assert disabled.status_code == 200, disabled.text
    _problem(await _send(client, token, FRANCE), "country_not_allowed")
    shown = await client.get(f"/v1/ops/destinations/{account_id}", headers=_auth(ops))
    assert shown.json()["allowed_countries"] == []
    assert shown.json()["changed_by"] is not None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"allowed_countries": ["XX"]}, "unknown_country"),
        ({"allowed_categories": ["casino"]}, "unknown_category"),
        ({"allowed_countries": ["France"]}, "validation_error"),
        ({"allowed_categories": ["Satellite!"]}, "validation_error"),
    ],
)
async def test_unknown_or_malformed_entries_are_refused_and_change_nothing(
    client: httpx.AsyncClient, auth_service: AuthClient, ops: str, body: Any, code: str
) -> None:
    account_id, token = await auth_service.new_account()
    await _enable(client, ops, account_id, allowed_categories=["satellite"])

    response = await _enable(client, ops, account_id, **body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert (await _send(client, token, SATELLITE)).status_code == 202


async def test_customers_cannot_enable_destinations(
    client: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()

    for method in ("GET", "PUT"):
        response = await client.request(
            method,
            f"/v1/ops/destinations/{account_id}",
            json={"allowed_countries": ["FR"]},
            headers=_auth(token),
        )
        assert response.status_code == 403, response.text
    _problem(await _send(client, token, FRANCE), "country_not_allowed")

"""Inbound (MO) SMS against PostgreSQL and the broker: numbers assigned by operators, whose
MO is whose, the inbound API, reassembly of long MOs and the opt-out keywords."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI

from dlr_service.config import DlrSettings
from dlr_service.main import create_app
from tests.integration.test_senders import assert_problem, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def dlr(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = DlrSettings(
        database_url=await databases.create("dlr"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        sweep_interval_seconds=0.2,
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield app, client


@pytest.fixture
def api(dlr: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return dlr[1]


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def assign(
    api: httpx.AsyncClient, ops: dict[str, str], number: str, account_id: UUID
) -> httpx.Response:
    return await api.post(
        "/v1/ops/numbers", json={"number": number, "account_id": str(account_id)}, headers=ops
    )


_numbers = iter(range(10**6))


def fresh_number() -> str:
    """A number no other test of the run has assigned."""
    return f"+4475{next(_numbers):07d}"


# --- numbers -------------------------------------------------------------------------------


async def test_an_operator_assigns_lists_and_unassigns_a_number(
    api: httpx.AsyncClient, ops: dict[str, str], auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    number = fresh_number()

    # Spelled as an SMSC would: no `+`. Stored, and answered, as E.164.
    response = await assign(api, ops, number.removeprefix("+"), account_id)
    assert response.status_code == 200, response.text
    assert response.json()["number"] == number
    assert response.json()["kind"] == "long_number"
    again = await assign(api, ops, number, account_id)
    assert again.status_code == 200
    short = await assign(api, ops, "60777", account_id)
    assert short.json()["kind"] == "short_code"

    listed = await api.get("/v1/ops/numbers", params={"account_id": str(account_id)}, headers=ops)
    assert [item["number"] for item in listed.json()["items"]] == [number, "60777"]

    assert (await api.delete(f"/v1/ops/numbers/{number}", headers=ops)).status_code == 204
    assert_problem(await api.delete(f"/v1/ops/numbers/{number}", headers=ops), 404, "not_found")
    listed = await api.get("/v1/ops/numbers", params={"account_id": str(account_id)}, headers=ops)
    assert [item["number"] for item in listed.json()["items"]] == ["60777"]


async def test_a_number_of_another_account_is_taken(
    api: httpx.AsyncClient, ops: dict[str, str], auth_service: AuthClient
) -> None:
    first, _ = await auth_service.new_account()
    second, _ = await auth_service.new_account()
    number = fresh_number()
    assert (await assign(api, ops, number, first)).status_code == 200

    assert_problem(await assign(api, ops, f"00{number[1:]}", second), 409, "number_taken")

    listed = await api.get("/v1/ops/numbers", params={"account_id": str(second)}, headers=ops)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("number", ["hello", "+0123456789", "12", "+1234567890123456"])
async def test_a_number_that_is_no_number_is_refused(
    api: httpx.AsyncClient, ops: dict[str, str], number: str
) -> None:
    account_id = UUID(int=1)
    assert_problem(await assign(api, ops, number, account_id), 422, "invalid_number")
    listed = await api.get("/v1/ops/numbers", params={"account_id": str(account_id)}, headers=ops)
    assert listed.json()["items"] == []


async def test_only_operators_manage_numbers(
    api: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    owner: dict[str, Any] = bearer(token)

    assert_problem(await assign(api, owner, fresh_number(), account_id), 403, "forbidden")
    assert_problem(await api.get("/v1/ops/numbers", headers=owner), 403, "forbidden")

"""The account's profile (R1) in auth against PostgreSQL: registration takes a name and a
phone, GET /v1/account shows them with the company and contact e-mail, PATCH changes them,
and bad input is a 422 that changes nothing."""

import os
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"


async def account(client: httpx.AsyncClient, **registration: Any) -> tuple[str, dict[str, str]]:
    """Registers (with these extra fields) and logs in; returns the e-mail and auth header."""
    email = f"profile-{os.urandom(6).hex()}@example.com"
    registered = await client.post(
        "/v1/auth/register",
        json={"email": email, "password": PASSWORD, "company_name": "Acme", **registration},
    )
    assert registered.status_code == 202, registered.text
    login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return email, {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_registration_stores_name_and_phone_as_e164(auth: httpx.AsyncClient) -> None:
    email, bearer = await account(auth, name="  Ada Lovelace ", phone="+44 7700 900123")

    profile = await auth.get("/v1/account", headers=bearer)

    assert profile.status_code == 200
    body = profile.json()
    assert body["company_name"] == "Acme"
    assert body["contact_email"] == email
    assert body["email"] == email
    assert body["name"] == "Ada Lovelace"
    assert body["phone"] == "+447700900123"
    assert body["role"] == "owner"
    assert body["two_factor_enabled"] is False


async def test_name_and_phone_are_optional(auth: httpx.AsyncClient) -> None:
    _, bearer = await account(auth)

    body = (await auth.get("/v1/account", headers=bearer)).json()

    assert body["name"] is None
    assert body["phone"] is None


async def test_patch_changes_what_is_sent_and_keeps_the_rest(auth: httpx.AsyncClient) -> None:
    email, bearer = await account(auth, name="Ada", phone="+447700900123")

    changed = await auth.patch(
        "/v1/account",
        json={
            "company_name": "Acme Holdings",
            "contact_email": "Billing@Example.com",
            "phone": "+1 (202) 555-0143",
        },
        headers=bearer,
    )
    cleared = await auth.patch("/v1/account", json={"phone": None}, headers=bearer)
    read_back = await auth.get("/v1/account", headers=bearer)

    assert changed.status_code == 200, changed.text
    assert changed.json()["company_name"] == "Acme Holdings"
    assert changed.json()["contact_email"] == "billing@example.com"
    assert changed.json()["phone"] == "+12025550143"
    assert changed.json()["name"] == "Ada"  # not sent, not changed
    assert cleared.json()["phone"] is None
    assert read_back.json() == {**cleared.json()}
    assert read_back.json()["email"] == email  # the login e-mail is not the contact


@pytest.mark.parametrize(
    ("registration", "field"),
    [
        pytest.param({"phone": "07700 900123"}, "phone", id="national-number"),
        pytest.param({"phone": "+44 7700"}, "phone", id="too-short"),
        pytest.param({"phone": "+1 800 FLOWERS"}, "phone", id="letters"),
        pytest.param({"name": "x" * 201}, "name", id="long-name"),
        pytest.param({"name": "Ada\u202eecalovoL"}, "name", id="bidi-override"),
    ],
)
async def test_registration_refuses_bad_profile_fields(
    auth: httpx.AsyncClient, registration: dict[str, Any], field: str
) -> None:
    email = f"bad-{os.urandom(6).hex()}@example.com"
    answer = await auth.post(
        "/v1/auth/register",
        json={"email": email, "password": PASSWORD, "company_name": "A", **registration},
    )
    login = await auth.post("/v1/auth/login", json={"email": email, "password": PASSWORD})

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert ["body", field] in [error["location"] for error in answer.json()["errors"]]
    assert login.status_code == 401  # nothing was opened


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"phone": "not a phone"}, "phone", id="phone"),
        pytest.param({"contact_email": "nope"}, "contact_email", id="email"),
        pytest.param({"contact_email": None}, "contact_email", id="email-null"),
        pytest.param({"company_name": "   "}, "company_name", id="blank-company"),
        pytest.param({"company_name": None}, "company_name", id="null-company"),
        pytest.param({"compnay_name": "Typo"}, "compnay_name", id="unknown-field"),
    ],
)
async def test_patch_refuses_bad_input_and_changes_nothing(
    auth: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    _, bearer = await account(auth, name="Ada", phone="+447700900123")
    before = (await auth.get("/v1/account", headers=bearer)).json()

    answer = await auth.patch("/v1/account", json={"name": "Changed", **change}, headers=bearer)
    after = (await auth.get("/v1/account", headers=bearer)).json()

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert ["body", field] in [error["location"] for error in answer.json()["errors"]]
    assert after == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-jwt"}])
async def test_the_profile_needs_a_valid_token(
    auth: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    read = await auth.get("/v1/account", headers=headers)
    write = await auth.patch("/v1/account", json={"name": "Mallory"}, headers=headers)

    for answer in (read, write):
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "unauthorized"


async def test_each_account_sees_only_its_own_profile(auth: httpx.AsyncClient) -> None:
    first_email, first = await account(auth, name="First")
    second_email, second = await account(auth, name="Second")

    await auth.patch("/v1/account", json={"company_name": "Renamed"}, headers=first)

    mine = (await auth.get("/v1/account", headers=first)).json()
    theirs = (await auth.get("/v1/account", headers=second)).json()
    assert (mine["email"], mine["company_name"]) == (first_email, "Renamed")
    assert (theirs["email"], theirs["company_name"]) == (second_email, "Acme")

"""A person's own account security in auth against PostgreSQL: changing the password
(which ends their other sessions) and turning the second factor off."""

import os
import time
from typing import Any

import httpx
import pytest

from auth_service.twofactor.totp import secret_key, totp

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"
NEW_PASSWORD = "another long enough password"


async def logged_in(client: httpx.AsyncClient) -> dict[str, Any]:
    email = f"security-{os.urandom(6).hex()}@example.com"
    registered = await client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "company_name": "Acme"}
    )
    assert registered.status_code == 202, registered.text
    return {**(await login(client, email)).json(), "email": email}


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, otp: str | None = None
) -> httpx.Response:
    body = {"email": email, "password": password, **({"otp": otp} if otp else {})}
    return await client.post("/v1/auth/login", json=body)


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def refresh(client: httpx.AsyncClient, tokens: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})


async def test_changing_the_password_ends_the_other_sessions(auth: httpx.AsyncClient) -> None:
    here = await logged_in(auth)
    elsewhere = (await login(auth, here["email"])).json()

    changed = await auth.post(
        "/v1/account/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    other_refresh = await refresh(auth, elsewhere)
    old_login = await login(auth, here["email"])
    new_login = await login(auth, here["email"], NEW_PASSWORD)
    log = await auth.get("/v1/account/audit-log", headers=bearer(here))

    assert changed.status_code == 200, changed.text
    assert changed.headers["Cache-Control"] == "no-store"
    # The caller carries on with the pair it was given.
    assert (await refresh(auth, changed.json())).status_code == 200
    assert other_refresh.status_code == 401
    assert old_login.status_code == 401
    assert new_login.status_code == 200
    assert "password.changed" in [entry["action"] for entry in log.json()["items"]]


async def test_a_wrong_current_or_weak_new_password_changes_nothing(
    auth: httpx.AsyncClient,
) -> None:
    tokens = await logged_in(auth)

    wrong = await auth.post(
        "/v1/account/password",
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
        headers=bearer(tokens),
    )
    weak = await auth.post(
        "/v1/account/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=bearer(tokens),
    )

    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert weak.status_code == 422
    assert weak.json()["code"] == "weak_password"
    assert (await refresh(auth, tokens)).status_code == 200
    assert (await login(auth, tokens["email"])).status_code == 200


def code(secret: str, offset_seconds: float = 0) -> str:
    return totp(secret_key(secret), time.time() + offset_seconds)


async def test_turning_the_second_factor_off_takes_a_code(auth: httpx.AsyncClient) -> None:
    tokens = await logged_in(auth)
    not_on = await auth.request(
        "DELETE", "/v1/account/2fa", json={"otp": "123456"}, headers=bearer(tokens)
    )
    secret = (await auth.post("/v1/account/2fa", headers=bearer(tokens))).json()["secret"]
    confirmed = await auth.post(
        "/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer(tokens)
    )

    wrong = await auth.request(
        "DELETE", "/v1/account/2fa", json={"otp": "12345x"}, headers=bearer(tokens)
    )
    off = await auth.request(
        "DELETE", "/v1/account/2fa", json={"otp": code(secret, 30)}, headers=bearer(tokens)
    )
    profile = await auth.get("/v1/account", headers=bearer(tokens))
    without_code = await login(auth, tokens["email"])
    log = await auth.get("/v1/account/audit-log", headers=bearer(tokens))

    assert not_on.status_code == 409
    assert not_on.json()["code"] == "otp_not_enabled"
    assert confirmed.status_code == 200
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "invalid_otp"
    assert off.status_code == 200, off.text
    assert off.json() == {"enabled": False}
    assert profile.json()["two_factor_enabled"] is False
    assert without_code.status_code == 200
    assert "account.2fa_disabled" in [entry["action"] for entry in log.json()["items"]]

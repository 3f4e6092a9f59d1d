"""Sessions in auth against PostgreSQL and the broker: refresh tokens that rotate on every
use, a replayed one revoking its whole family, logout, the per-e-mail lockout and the TOTP
second factor; and the same routes through the gateway."""

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import Connection, text

from auth_service.config import AuthSettings
from auth_service.keys.keyring import generate_pem
from auth_service.main import create_app
from auth_service.twofactor.totp import secret_key, totp
from shared.db import create_engine
from shared.events import utcnow
from shared.security import TokenVerifier
from tests.integration.auth_support import AuthApp
from tests.integration.test_auth_security import count_hashes
from tests.support.apps import served_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"


def new_email() -> str:
    return f"session-{os.urandom(6).hex()}@example.com"


async def register(client: httpx.AsyncClient, email: str) -> None:
    answer = await client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "company_name": "S"}
    )
    assert answer.status_code == 202, answer.text


async def login(client: httpx.AsyncClient, email: str, **extra: Any) -> httpx.Response:
    return await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD, **extra})


async def logged_in(client: httpx.AsyncClient) -> dict[str, Any]:
    email = new_email()
    await register(client, email)
    answer = await login(client, email)
    assert answer.status_code == 200, answer.text
    return {"email": email, **answer.json()}


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


def verifier_for(app: FastAPI) -> TokenVerifier:
    return app.state.runtime.verifier  # type: ignore[no-any-return]


# --- login, refresh and rotation ----------------------------------------------------------


async def test_login_gives_a_15_minute_access_token_and_a_refresh_token(
    auth_app: AuthApp,
) -> None:
    async with auth_app() as (app, client):
        tokens = await logged_in(client)
        principal = await verifier_for(app).verify(tokens["access_token"])

    assert tokens["expires_in"] == 900
    assert tokens["refresh_expires_in"] == 30 * 24 * 3600
    assert len(tokens["refresh_token"]) >= 40
    assert str(principal.account_id) == tokens["account_id"]


async def test_refresh_returns_a_new_pair_and_rotates_the_refresh_token(
    auth_app: AuthApp,
) -> None:
    async with auth_app() as (app, client):
        first = await logged_in(client)
        second = await refresh(client, first["refresh_token"])
        third = await refresh(client, second.json()["refresh_token"])
        principal = await verifier_for(app).verify(third.json()["access_token"])

    assert second.status_code == third.status_code == 200
    assert second.headers["Cache-Control"] == "no-store"
    tokens = [first["refresh_token"], second.json()["refresh_token"], third.json()["refresh_token"]]
    assert len(set(tokens)) == 3
    assert second.json()["access_token"] != first["access_token"]
    assert str(principal.account_id) == first["account_id"]
    assert third.json()["account_id"] == first["account_id"]


async def test_refresh_tokens_are_stored_only_as_hashes(
    auth_app: AuthApp, auth_database: str
) -> None:
    async with auth_app() as (_, client):
        tokens = await logged_in(client)

    engine = create_engine(auth_database)
    try:
        async with engine.connect() as connection:
            hashes = (await connection.execute(text("SELECT token_hash FROM refresh_tokens"))).all()
            plain = await connection.scalar(
                text("SELECT count(*) FROM refresh_tokens WHERE token_hash = :t"),
                {"t": tokens["refresh_token"]},
            )
    finally:
        await engine.dispose()
    assert hashes
    assert plain == 0
    assert all(len(row.token_hash) == 64 for row in hashes)


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    auth: httpx.AsyncClient,
) -> None:
    first = await logged_in(auth)
    second = (await refresh(auth, first["refresh_token"])).json()
    third = (await refresh(auth, second["refresh_token"])).json()
    other_login = await login(auth, first["email"])  # another family of the same user

    replay = await refresh(auth, first["refresh_token"])
    newest = await refresh(auth, third["refresh_token"])
    replay_again = await refresh(auth, second["refresh_token"])
    unrelated = await refresh(auth, other_login.json()["refresh_token"])

    assert replay.status_code == 401
    assert replay.headers["content-type"] == "application/problem+json"
    assert replay.json()["code"] == "refresh_token_reused"
    # The newest token of the family, never used, stops working too...
    assert newest.status_code == 401
    assert newest.json()["code"] == "invalid_refresh_token"
    assert replay_again.json()["code"] == "refresh_token_reused"
    # ...while the user's other login lives on.
    assert unrelated.status_code == 200


async def test_concurrent_uses_of_one_refresh_token_let_one_through_at_most(
    auth: httpx.AsyncClient,
) -> None:
    import asyncio

    tokens = await logged_in(auth)
    answers = await asyncio.gather(*(refresh(auth, tokens["refresh_token"]) for _ in range(4)))

    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(200) <= 1
    assert {r.json()["code"] for r in answers if r.status_code == 401} <= {
        "refresh_token_reused",
        "invalid_refresh_token",
    }
    # Whatever got through, the family is revoked now: its token is refused.
    for answer in answers:
        if answer.status_code == 200:
            later = await refresh(auth, answer.json()["refresh_token"])
            assert later.status_code == 401


async def test_unknown_and_expired_refresh_tokens_are_refused(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    tokens = await logged_in(auth)
    engine = create_engine(auth_database)
    try:
        async with engine.begin() as connection:
            # Every live token of this account's user expires now.
            await connection.execute(
                text(
                    "UPDATE refresh_tokens SET expires_at = :t WHERE user_id IN "
                    "(SELECT id FROM users WHERE email = :e)"
                ),
                {"t": utcnow() - timedelta(seconds=1), "e": tokens["email"]},
            )
    finally:
        await engine.dispose()

    unknown = await refresh(auth, "not-a-token-we-issued")
    expired = await refresh(auth, tokens["refresh_token"])
    empty = await auth.post("/v1/auth/refresh", json={})

    assert unknown.status_code == expired.status_code == 401
    assert unknown.json()["code"] == expired.json()["code"] == "invalid_refresh_token"
    assert empty.status_code == 422


# --- logout ------------------------------------------------------------------------------


async def test_logout_revokes_the_family(auth: httpx.AsyncClient) -> None:
    first = await logged_in(auth)
    second = (await refresh(auth, first["refresh_token"])).json()

    out = await auth.post("/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    after = await refresh(auth, second["refresh_token"])
    again = await auth.post("/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    unknown = await auth.post("/v1/auth/logout", json={"refresh_token": "never-issued"})

    assert out.status_code == 204
    assert after.status_code == 401
    assert after.json()["code"] == "invalid_refresh_token"
    assert again.status_code == unknown.status_code == 204  # RFC 7009: nothing to tell


# --- lockout -----------------------------------------------------------------------------


async def age_failures(database_url: str, email: str, by: timedelta) -> None:
    """Moves the e-mail's recorded failed logins back in time (no sleeping 15 minutes)."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            rows = (
                await connection.execute(
                    text("SELECT id, failed_at FROM login_failures WHERE email = :e"),
                    {"e": email},
                )
            ).all()
            for row in rows:
                await connection.execute(
                    text("UPDATE login_failures SET failed_at = :t WHERE id = :i"),
                    {"t": row.failed_at - by, "i": row.id},
                )
    finally:
        await engine.dispose()


def comparable(answer: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    # Every answer has its own date and request id; they tell nothing about the account.
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("date", "x-request-id")}
    return answer.status_code, answer.json(), headers


async def test_ten_failures_lock_the_email_with_the_wrong_password_answer(
    auth_app: AuthApp, auth_database: str
) -> None:
    email = new_email()
    async with auth_app() as (app, client):
        await register(client, email)
        wrong = [
            await client.post("/v1/auth/login", json={"email": email, "password": f"wrong {n}"})
            for n in range(10)
        ]
        hashes = count_hashes(app)
        locked = await login(client, email)  # the right password, but locked
        locked_wrong = await client.post(
            "/v1/auth/login", json={"email": email, "password": "wrong again"}
        )
        hashed_while_locked = hashes.calls
        unknown = await client.post(
            "/v1/auth/login", json={"email": new_email(), "password": "wrong again"}
        )

        await age_failures(auth_database, email, timedelta(minutes=15, seconds=1))
        lifted = await login(client, email)

    assert {r.status_code for r in wrong} == {401}
    # Locked, the answer is the one a wrong password or an unknown e-mail gets...
    assert comparable(locked) == comparable(wrong[0]) == comparable(unknown)
    assert comparable(locked_wrong) == comparable(wrong[0])
    assert locked.json()["code"] == "invalid_credentials"
    # ...and costs no hash.
    assert hashed_while_locked == 0
    # Once the failures are older than the window, the right password works again.
    assert lifted.status_code == 200


async def test_lockout_counts_unknown_emails_too_and_success_resets_the_count(
    auth_app: AuthApp,
) -> None:
    email, unknown = new_email(), new_email()
    async with auth_app(login_lockout_failures=3) as (app, client):
        await register(client, email)
        for n in range(2):
            await client.post("/v1/auth/login", json={"email": email, "password": f"wrong {n}"})
        reset = await login(client, email)
        for n in range(2):
            await client.post("/v1/auth/login", json={"email": email, "password": f"wrong {n}"})
        still_open = await login(client, email)  # 2 failures since the success: not locked
        for n in range(3):
            await client.post("/v1/auth/login", json={"email": unknown, "password": f"wrong {n}"})
        hashes = count_hashes(app)
        unknown_locked = await client.post(
            "/v1/auth/login", json={"email": unknown, "password": "wrong 4"}
        )
        other_email = await login(client, email)  # another e-mail's failures don't count

    assert reset.status_code == 200
    assert still_open.status_code == 200
    assert unknown_locked.status_code == 401
    assert unknown_locked.json()["code"] == "invalid_credentials"
    assert hashes.calls == 1  # only the other e-mail's login was hashed
    assert other_email.status_code == 200


async def test_old_failures_are_pruned(auth_app: AuthApp, auth_database: str) -> None:
    from auth_service.sessions.pruning import SessionPruner

    email = new_email()
    async with auth_app() as (app, client):
        await client.post("/v1/auth/login", json={"email": email, "password": "wrong pw 1"})
        await age_failures(auth_database, email, timedelta(minutes=16))
        await SessionPruner(app.state.runtime.sessionmaker, app.state.settings).run_once()

    engine = create_engine(auth_database)
    try:
        async with engine.connect() as connection:
            left = await connection.scalar(
                text("SELECT count(*) FROM login_failures WHERE email = :e"), {"e": email}
            )
    finally:
        await engine.dispose()
    assert left == 0


# --- TOTP second factor ------------------------------------------------------------------


def code(secret: str, offset_seconds: float = 0) -> str:
    return totp(secret_key(secret), time.time() + offset_seconds)


async def test_totp_enrol_confirm_and_login(auth: httpx.AsyncClient) -> None:
    tokens = await logged_in(auth)
    email, bearer = tokens["email"], {"Authorization": f"Bearer {tokens['access_token']}"}

    unauthenticated = await auth.post("/v1/account/2fa")
    enrolment = await auth.post("/v1/account/2fa", headers=bearer)
    secret = enrolment.json()["secret"]
    before_confirm = await login(auth, email)  # not on until confirmed
    wrong_confirm = await auth.post(
        "/v1/account/2fa/confirm", json={"code": "000000"}, headers=bearer
    )
    if wrong_confirm.status_code == 200:  # one in a million: 000000 was the right code
        pytest.skip("the random secret's code was 000000")
    confirmed = await auth.post(
        "/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer
    )
    again = await auth.post("/v1/account/2fa", headers=bearer)
    profile = await auth.get("/v1/account", headers=bearer)

    without = await login(auth, email)
    wrong = await login(auth, email, otp="12345x")
    # The confirmation used the current step; the next step's code is within the drift.
    next_code = code(secret, 30)
    right = await login(auth, email, otp=next_code)
    replayed = await login(auth, email, otp=next_code)

    assert unauthenticated.status_code == 401
    assert enrolment.status_code == 201
    assert enrolment.headers["Cache-Control"] == "no-store"
    assert enrolment.json()["otpauth_uri"].startswith("otpauth://totp/smsgw:")
    assert f"secret={secret}" in enrolment.json()["otpauth_uri"]
    assert before_confirm.status_code == 200
    assert wrong_confirm.status_code == 422
    assert wrong_confirm.json()["code"] == "invalid_otp"
    assert confirmed.status_code == 200
    assert confirmed.json() == {"enabled": True}
    assert again.status_code == 409
    assert again.json()["code"] == "otp_already_enabled"
    assert profile.json()["two_factor_enabled"] is True
    assert without.status_code == 401
    assert without.json()["code"] == "otp_required"
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_otp"
    assert right.status_code == 200, right.text
    assert right.json()["refresh_token"]
    assert replayed.status_code == 401  # a code works once
    assert replayed.json()["code"] == "invalid_otp"


async def test_confirm_without_enrolment_is_a_conflict(auth: httpx.AsyncClient) -> None:
    tokens = await logged_in(auth)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

    answer = await auth.post("/v1/account/2fa/confirm", json={"code": "123456"}, headers=bearer)

    assert answer.status_code == 409
    assert answer.json()["code"] == "otp_not_started"


async def test_wrong_codes_count_towards_the_lockout(auth_app: AuthApp) -> None:
    async with auth_app(login_lockout_failures=3) as (_, client):
        tokens = await logged_in(client)
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        secret = (await client.post("/v1/account/2fa", headers=bearer)).json()["secret"]
        await client.post("/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer)
        guesses = [await login(client, tokens["email"], otp="99999x") for _ in range(3)]
        locked = await login(client, tokens["email"], otp=code(secret, 30))

    assert [g.json()["code"] for g in guesses] == ["invalid_otp"] * 3
    assert locked.status_code == 401
    assert locked.json()["code"] == "invalid_credentials"


async def stored_secret(database_url: str, email: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            stored: str | None = await connection.scalar(
                text("SELECT totp_secret FROM users WHERE email = :e"), {"e": email}
            )
    finally:
        await engine.dispose()
    return stored


async def set_stored_secret(database_url: str, email: str, value: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE users SET totp_secret = :v WHERE email = :e"), {"v": value, "e": email}
            )
    finally:
        await engine.dispose()


async def test_totp_secrets_are_sealed_at_rest_and_survive_a_key_rotation(
    auth_app: AuthApp, auth_database: str
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    async with auth_app(totp_encryption_keys=old_key) as (_, client):
        tokens = await logged_in(client)
        email, bearer = tokens["email"], {"Authorization": f"Bearer {tokens['access_token']}"}
        secret = (await client.post("/v1/account/2fa", headers=bearer)).json()["secret"]
        confirmed = await client.post(
            "/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer
        )
    sealed_by_old = await stored_secret(auth_database, email)

    # A new key first, the old one kept: logging in still works and re-seals.
    async with auth_app(totp_encryption_keys=f"{new_key},{old_key}") as (_, client):
        rotated = await login(client, email, otp=code(secret, 30))
    sealed_by_new = await stored_secret(auth_database, email)

    # Only the new key left: the re-sealed secret opens with it. (Every code within the
    # drift was used, so the used step is forgotten as if a minute had passed.)
    engine = create_engine(auth_database)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE users SET totp_last_step = NULL WHERE email = :e"), {"e": email}
            )
    finally:
        await engine.dispose()
    async with auth_app(totp_encryption_keys=new_key) as (_, client):
        after = await login(client, email, otp=code(secret))

    assert confirmed.status_code == 200, confirmed.text
    assert sealed_by_old is not None
    assert secret not in sealed_by_old
    assert Fernet(old_key.encode()).decrypt(sealed_by_old.encode()).decode() == secret
    assert rotated.status_code == 200, rotated.text
    assert sealed_by_new is not None
    assert secret not in sealed_by_new
    assert Fernet(new_key.encode()).decrypt(sealed_by_new.encode()).decode() == secret
    assert after.status_code == 200, after.text


async def test_a_secret_stored_before_sealing_still_works_and_is_sealed_at_its_use(
    auth_app: AuthApp, auth_database: str
) -> None:
    key = Fernet.generate_key().decode()
    async with auth_app(totp_encryption_keys=key) as (_, client):
        tokens = await logged_in(client)
        email, bearer = tokens["email"], {"Authorization": f"Bearer {tokens['access_token']}"}
        secret = (await client.post("/v1/account/2fa", headers=bearer)).json()["secret"]
        await client.post("/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer)
        # As a row written before secrets were sealed looks.
        await set_stored_secret(auth_database, email, secret)
        plain_login = await login(client, email, otp=code(secret, 30))
    resealed = await stored_secret(auth_database, email)

    assert plain_login.status_code == 200, plain_login.text
    assert resealed is not None
    assert resealed != secret
    assert Fernet(key.encode()).decrypt(resealed.encode()).decode() == secret


def test_production_refuses_to_start_without_a_totp_key() -> None:
    signing_key = generate_pem().decode()

    with pytest.raises(ValueError, match="AUTH_TOTP_ENCRYPTION_KEYS"):
        AuthSettings(environment="production", private_key_pem=signing_key)
    AuthSettings(
        environment="production",
        private_key_pem=signing_key,
        totp_encryption_keys=Fernet.generate_key().decode(),
        unsubscribe_secret="u" * 32,  # production needs it too (notifications' links)
    )
    with pytest.raises(ValueError, match="32 bytes"):
        AuthSettings(environment="test", totp_encryption_keys="not-a-key")


# --- documented; migrations ----------------------------------------------------------------


async def test_openapi_documents_the_new_error_codes(auth: httpx.AsyncClient) -> None:
    paths = (await auth.get("/openapi.json")).json()["paths"]

    login_401 = paths["/v1/auth/login"]["post"]["responses"]["401"]["description"]
    refresh_401 = paths["/v1/auth/refresh"]["post"]["responses"]["401"]["description"]
    confirm = paths["/v1/account/2fa/confirm"]["post"]["responses"]
    assert "invalid_credentials" in login_401
    assert "otp_required" in login_401
    assert "invalid_otp" in login_401
    assert "refresh_token_reused" in refresh_401
    assert "invalid_refresh_token" in refresh_401
    assert "204" in paths["/v1/auth/logout"]["post"]["responses"]
    assert "otp_not_started" in confirm["409"]["description"]
    assert "invalid_otp" in confirm["422"]["description"]
    assert (
        "otp_already_enabled" in paths["/v1/account/2fa"]["post"]["responses"]["409"]["description"]
    )
    for operation in (paths["/v1/account"]["get"], paths["/v1/account"]["patch"]):
        assert "401" in operation["responses"]


async def test_migrations_match_models(auth_database: str) -> None:
    from auth_service.models import Base

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(auth_database)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


# --- through the gateway -----------------------------------------------------------------


async def test_sessions_and_account_through_the_gateway(
    auth_database: str, broker: str, tmp_path: Path
) -> None:
    """refresh and logout need no bearer token at the gateway; /v1/account reaches auth and
    needs one."""
    from gateway.config import GatewaySettings
    from gateway.main import create_app as gateway_app

    settings = AuthSettings(
        database_url=auth_database,
        kafka_bootstrap_servers=broker,
        dev_key_file=tmp_path / "signing.pem",
        environment="test",
        login_rate_limit=0,
        register_rate_limit=0,
    )
    async with (
        served_app(create_app(settings)) as auth_url,
        served_app(gateway_app(GatewaySettings(auth_url=auth_url)), proxy_headers=False) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        tokens = await logged_in(client)
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        anonymous = await client.get("/v1/account")
        profile = await client.get("/v1/account", headers=bearer)
        changed = await client.patch("/v1/account", json={"name": "Ada"}, headers=bearer)
        refreshed = await refresh(client, tokens["refresh_token"])
        out = await client.post(
            "/v1/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]}
        )
        after = await refresh(client, refreshed.json()["refresh_token"])
        merged = (await client.get("/openapi.json")).json()["paths"]

    assert anonymous.status_code == 401
    assert profile.status_code == 200, profile.text
    assert profile.json()["email"] == tokens["email"]
    assert changed.json()["name"] == "Ada"
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.headers["Cache-Control"] == "no-store"
    assert out.status_code == 204
    assert after.status_code == 401
    assert after.json()["code"] == "invalid_refresh_token"
    # The merged API document has the new operations, refresh and logout marked public.
    assert {"get", "patch"} <= set(merged["/v1/account"])
    assert "/v1/account/2fa/confirm" in merged
    assert merged["/v1/auth/refresh"]["post"]["security"] == []
    assert merged["/v1/auth/logout"]["post"]["security"] == []
    assert merged["/v1/account"]["get"]["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize("path", ["/v1/auth/refresh", "/v1/auth/logout"])
async def test_unencodable_tokens_are_422_not_500(auth: httpx.AsyncClient, path: str) -> None:
    # A lone surrogate, which JSON can spell and no encoding can carry.
    answer = await auth.post(
        path,
        content=b'{"refresh_token": "\\ud800"}',
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


async def test_non_ascii_digits_as_a_code_are_refused_not_500(auth: httpx.AsyncClient) -> None:
    tokens = await logged_in(auth)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    await auth.post("/v1/account/2fa", headers=bearer)

    answer = await auth.post("/v1/account/2fa/confirm", json={"code": "١٢٣٤٥٦"}, headers=bearer)

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_otp"


async def test_one_code_logs_in_once_even_when_sent_twice_at_once(
    auth: httpx.AsyncClient,
) -> None:
    import asyncio

    tokens = await logged_in(auth)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    secret = (await auth.post("/v1/account/2fa", headers=bearer)).json()["secret"]
    await auth.post("/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer)
    next_code = code(secret, 30)

    answers = await asyncio.gather(*(login(auth, tokens["email"], otp=next_code) for _ in range(4)))

    assert sorted(a.status_code for a in answers) == [200, 401, 401, 401]
    assert {a.json()["code"] for a in answers if a.status_code == 401} == {"invalid_otp"}

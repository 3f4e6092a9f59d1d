"""The audit log in auth against PostgreSQL: one record per audited action, written in the
action's own transaction, readable page by page by the account's owner only, never holding
a secret, and purged past its retention."""

import base64
import json
import os
import time
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import text

from auth_service.audit.models import AuditRecord
from auth_service.retention.service import retention_job
from auth_service.twofactor.totp import secret_key, totp
from gateway.routes import is_public, resolve
from shared.db import create_engine, session_scope
from shared.errors import ProblemError
from shared.events import utcnow
from tests.integration.auth_support import AuthApp

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"
CLIENT_IP = "203.0.113.7"
USER_AGENT = "audit-test/1.0"
# Requests reach auth in-process from 127.0.0.1, a trusted proxy: the client is the
# rightmost X-Forwarded-For entry, as for the rate limits.
ORIGIN = {"x-forwarded-for": CLIENT_IP, "user-agent": USER_AGENT}


def new_email() -> str:
    return f"audit-{os.urandom(6).hex()}@example.com"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **ORIGIN}


async def register(client: httpx.AsyncClient, email: str) -> None:
    answer = await client.post(
        "/v1/auth/register",
        json={"email": email, "password": PASSWORD, "company_name": "Audited"},
        headers=ORIGIN,
    )
    assert answer.status_code == 202, answer.text


async def login(client: httpx.AsyncClient, email: str, **body: Any) -> httpx.Response:
    return await client.post(
        "/v1/auth/login", json={"email": email, "password": PASSWORD, **body}, headers=ORIGIN
    )


async def logged_in(client: httpx.AsyncClient) -> dict[str, Any]:
    email = new_email()
    await register(client, email)
    answer = await login(client, email)
    assert answer.status_code == 200, answer.text
    return {"email": email, **answer.json()}


async def user_id_of(client: httpx.AsyncClient, token: str) -> str:
    # The profile does not show the user's id; the registration record names it.
    records = await entries(client, token)
    return next(r["actor_id"] for r in records if r["action"] == "account.registered")


async def entries(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    answer = await client.get("/v1/account/audit-log", params={"limit": 200}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_cursor"] is None
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def actions(records: list[dict[str, Any]]) -> list[str]:
    return [record["action"] for record in records]


async def stored_rows(database_url: str, account_id: str | None = None) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = "SELECT * FROM audit_records"
            params: dict[str, Any] = {}
            if account_id is not None:
                query += " WHERE account_id = :a"
                params["a"] = UUID(account_id)
            rows = (await connection.execute(text(query), params)).mappings().all()
    finally:
        await engine.dispose()
    return [dict(row) for row in rows]


async def execute(database_url: str, statement: str, **params: Any) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), params)
    finally:
        await engine.dispose()


# --- one record per audited action ---------------------------------------------------------


async def test_registration_and_logins_are_recorded_on_the_account(auth_app: AuthApp) -> None:
    async with auth_app(login_lockout_failures=2) as (_, client):
        tokens = await logged_in(client)
        email, token = tokens["email"], tokens["access_token"]
        wrong = [await login(client, email, password="not the password") for _ in range(2)]
        locked = await login(client, email)  # the right password, but locked now
        records = await entries(client, token)

    assert [answer.status_code for answer in (*wrong, locked)] == [401, 401, 401]
    assert actions(records) == [
        "login.locked",
        "login.failed",
        "login.failed",
        "login.succeeded",
        "account.registered",
    ]
    user_id = records[-1]["actor_id"]
    registered = records[-1]
    assert registered["actor_type"] == "user"
    assert (registered["object_type"], registered["object_id"]) == ("account", tokens["account_id"])
    for record in records[:-1]:
        assert (record["actor_type"], record["actor_id"]) == ("user", user_id)
        assert (record["object_type"], record["object_id"]) == ("user", user_id)
    for record in records:
        assert record["ip"] == CLIENT_IP
        assert record["user_agent"] == USER_AGENT
    assert records[1]["details"] == {"reason": "password"}


async def test_a_failed_login_for_an_unknown_email_is_recorded_nowhere(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    before = len(await stored_rows(auth_database))

    answer = await login(auth, new_email())

    assert answer.status_code == 401
    assert len(await stored_rows(auth_database)) == before


async def test_logout_and_a_replayed_refresh_token_are_recorded_but_refreshes_are_not(
    auth: httpx.AsyncClient,
) -> None:
    tokens = await logged_in(auth)
    user_id = await user_id_of(auth, tokens["access_token"])
    refreshed = await auth.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, headers=ORIGIN
    )
    replayed = await auth.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}, headers=ORIGIN
    )
    second = (await login(auth, tokens["email"])).json()
    logged_out = await auth.post(
        "/v1/auth/logout", json={"refresh_token": second["refresh_token"]}, headers=ORIGIN
    )
    records = await entries(auth, second["access_token"])

    assert refreshed.status_code == 200
    assert replayed.json()["code"] == "refresh_token_reused"
    assert logged_out.status_code == 204
    assert actions(records) == [
        "session.logged_out",
        "login.succeeded",
        "session.reuse_detected",
        "login.succeeded",
        "account.registered",
    ]
    logout, _, reuse, *_ = records
    assert (logout["actor_type"], logout["actor_id"]) == ("user", user_id)
    assert (reuse["actor_type"], reuse["actor_id"]) == ("system", None)
    assert logout["object_type"] == reuse["object_type"] == "session"
    # Two logins, two token families.
    assert logout["object_id"] != reuse["object_id"]
    assert logout["ip"] == reuse["ip"] == CLIENT_IP


async def test_profile_changes_are_recorded_by_field_name_only(auth: httpx.AsyncClient) -> None:
    tokens = await logged_in(auth)
    token = tokens["access_token"]
    user_id = await user_id_of(auth, token)
    changed = await auth.patch(
        "/v1/account",
        json={"phone": "+44 7700 900123", "name": "Ann Example", "company_name": "Audited"},
        headers=bearer(token),
    )
    unchanged = await auth.patch("/v1/account", json={"name": "Ann Example"}, headers=bearer(token))
    invalid = await auth.patch(
        "/v1/account", json={"name": "Bob", "phone": "not a phone"}, headers=bearer(token)
    )
    records = await entries(auth, token)

    assert changed.status_code == unchanged.status_code == 200
    assert invalid.status_code == 422
    # The company name was sent unchanged and the second PATCH changed nothing.
    assert actions(records) == ["account.profile_changed", "login.succeeded", "account.registered"]
    record = records[0]
    assert record["details"] == {"fields": ["name", "phone"]}
    assert (record["actor_type"], record["actor_id"]) == ("user", user_id)
    assert (record["object_type"], record["object_id"]) == ("account", tokens["account_id"])
    assert record["ip"] == CLIENT_IP
    assert "+447700900123" not in str(record)
    assert "Ann Example" not in str(record)


async def test_an_action_that_fails_after_its_record_leaves_neither(
    auth: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auth_service.profile import service as profile_service

    tokens = await logged_in(auth)
    token = tokens["access_token"]

    def fail(*_: Any) -> None:
        raise ProblemError(409, "conflict", "Conflict", "failing after the change was made")

    with monkeypatch.context() as patched:
        # Fails as the answer is built: after the change and its record were flushed.
        patched.setattr(profile_service, "profile", fail)
        failed = await auth.patch("/v1/account", json={"name": "Never"}, headers=bearer(token))
    profile = await auth.get("/v1/account", headers=bearer(token))
    records = await entries(auth, token)

    assert failed.status_code == 409
    assert profile.json()["name"] is None
    assert actions(records) == ["login.succeeded", "account.registered"]


def code(secret: str, offset_seconds: float = 0) -> str:
    return totp(secret_key(secret), time.time() + offset_seconds)


async def test_two_factor_enrolment_and_a_wrong_code_at_login_are_recorded(
    auth: httpx.AsyncClient,
) -> None:
    tokens = await logged_in(auth)
    token = tokens["access_token"]
    user_id = await user_id_of(auth, token)
    secret = (await auth.post("/v1/account/2fa", headers=bearer(token))).json()["secret"]
    confirmed = await auth.post(
        "/v1/account/2fa/confirm", json={"code": code(secret)}, headers=bearer(token)
    )
    wrong = await login(auth, tokens["email"], otp="99999x")
    records = await entries(auth, token)

    assert confirmed.status_code == 200
    assert wrong.json()["code"] == "invalid_otp"
    assert actions(records) == [
        "login.failed",
        "account.2fa_enabled",
        "login.succeeded",
        "account.registered",
    ]
    assert records[0]["details"] == {"reason": "otp"}
    assert (records[1]["object_type"], records[1]["object_id"]) == ("user", user_id)
    assert records[1]["actor_id"] == user_id


async def test_api_keys_created_and_revoked_are_recorded_and_no_secret_is_stored(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    tokens = await logged_in(auth)
    token = tokens["access_token"]
    user_id = await user_id_of(auth, token)
    enrolment = (await auth.post("/v1/account/2fa", headers=bearer(token))).json()
    created = await auth.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["messages:send"]},
        headers=bearer(token),
    )
    key = created.json()
    revoked = await auth.delete(f"/v1/api-keys/{key['id']}", headers=bearer(token))
    records = await entries(auth, token)
    rows = await stored_rows(auth_database, tokens["account_id"])

    assert created.status_code == 201
    assert revoked.status_code == 204
    assert actions(records)[:2] == ["api_key.revoked", "api_key.created"]
    for record in records[:2]:
        assert (record["actor_type"], record["actor_id"]) == ("user", user_id)
        assert (record["object_type"], record["object_id"]) == ("api_key", key["id"])
        assert record["details"] == {"scopes": ["messages:send"]}
        assert record["ip"] == CLIENT_IP
    stored = repr(rows)
    for secret in (
        PASSWORD,
        key["secret"],
        key["secret"][len("sk_live_") :],
        tokens["access_token"],
        tokens["refresh_token"],
        enrolment["secret"],
    ):
        assert secret not in stored


# --- who reads what ---------------------------------------------------------------------------


async def test_an_account_never_sees_another_accounts_records(auth: httpx.AsyncClient) -> None:
    a = await logged_in(auth)
    b = await logged_in(auth)
    await login(auth, a["email"], password="wrong for a")

    a_records = await entries(auth, a["access_token"])
    b_records = await entries(auth, b["access_token"])

    assert actions(b_records) == ["login.succeeded", "account.registered"]
    a_ids = {record["id"] for record in a_records}
    assert a_ids.isdisjoint(record["id"] for record in b_records)
    assert all(
        record["object_id"] in (b["account_id"], b_records[0]["actor_id"]) for record in b_records
    )


async def test_an_api_key_token_may_not_read_the_log(auth: httpx.AsyncClient) -> None:
    tokens = await logged_in(auth)
    key = (
        await auth.post(
            "/v1/api-keys",
            json={"name": "k", "scopes": ["*"]},
            headers=bearer(tokens["access_token"]),
        )
    ).json()
    key_token = (
        await auth.post(
            "/internal/api-keys/token", headers={"authorization": f"Bearer {key['secret']}"}
        )
    ).json()["access_token"]

    answer = await auth.get("/v1/account/audit-log", headers=bearer(key_token))
    unauthenticated = await auth.get("/v1/account/audit-log")

    assert answer.status_code == 403
    assert answer.json()["code"] == "insufficient_scope"
    assert unauthenticated.status_code == 401


async def test_a_user_who_is_neither_owner_nor_admin_may_not_read_the_log(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    email = new_email()
    await register(auth, email)
    await execute(auth_database, "UPDATE users SET role = 'member' WHERE email = :e", e=email)
    token = (await login(auth, email)).json()["access_token"]

    answer = await auth.get("/v1/account/audit-log", headers=bearer(token))

    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


# --- pagination -------------------------------------------------------------------------------

MADE_UP_CURSORS: list[Any] = [
    ["2026-01-01T00:00:00+00:00", 5],
    ["0001-01-01T00:00:00+14:00", str(uuid4())],
    ["2026-01-01T00:00:00", str(uuid4())],
    {"t": 1},
    7,
]


def made_up(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


async def test_the_cursor_walks_every_record_once_newest_first(auth_app: AuthApp) -> None:
    async with auth_app() as (app, client):
        tokens = await logged_in(client)
        account_id = UUID(tokens["account_id"])
        now = utcnow()
        async for session in session_scope(app.state.runtime.sessionmaker):
            # Ties on the timestamp too: the id breaks them, so no page skips or repeats one.
            for n in range(23):
                session.add(
                    AuditRecord(
                        id=uuid4(),
                        account_id=account_id,
                        occurred_at=now - timedelta(seconds=n // 3),
                        actor_type="system",
                        action="login.failed",
                    )
                )
        everything = await entries(client, tokens["access_token"])
        walked: list[dict[str, Any]] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            answer = await client.get(
                "/v1/account/audit-log", params=params, headers=bearer(tokens["access_token"])
            )
            assert answer.status_code == 200, answer.text
            walked += answer.json()["items"]
            pages += 1
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                break
        first_page = await client.get(
            "/v1/account/audit-log", headers=bearer(tokens["access_token"])
        )
        bad = [
            await client.get(
                "/v1/account/audit-log", params=params, headers=bearer(tokens["access_token"])
            )
            for params in (
                {"limit": 0},
                {"limit": 201},
                {"cursor": "not-a-cursor"},
                *({"cursor": made_up(value)} for value in MADE_UP_CURSORS),
            )
        ]

    assert len(everything) == 25  # 23 inserted, the registration and the login
    assert [r["id"] for r in walked] == [r["id"] for r in everything]
    assert len({r["id"] for r in walked}) == 25
    assert pages == 7
    times = [datetime.fromisoformat(r["occurred_at"]) for r in everything]
    assert times == sorted(times, reverse=True)
    assert len(first_page.json()["items"]) == 25  # the default limit is 50
    assert [answer.status_code for answer in bad] == [422] * (3 + len(MADE_UP_CURSORS))
    assert {answer.json()["code"] for answer in bad[2:]} == {"invalid_cursor"}


# --- retention --------------------------------------------------------------------------------


async def test_the_purge_removes_only_records_past_the_retention(
    auth_app: AuthApp, auth_database: str
) -> None:
    async with auth_app(audit_retention_days=730) as (app, client):
        old = await logged_in(client)
        young = await logged_in(client)
        await execute(
            auth_database,
            "UPDATE audit_records SET occurred_at = now() - interval '731 days' "
            "WHERE account_id = :a",
            a=UUID(old["account_id"]),
        )
        await execute(
            auth_database,
            "UPDATE audit_records SET occurred_at = now() - interval '729 days' "
            "WHERE account_id = :a",
            a=UUID(young["account_id"]),
        )
        old_total = len(await stored_rows(auth_database, old["account_id"]))
        job = retention_job(
            app.state.runtime.sessionmaker,
            batch_size=1,
            audit_retention_days=app.state.settings.audit_retention_days,
        )
        purged = (await job.run_once())["audit_log"]

    assert old_total == 2
    # Other tests' records are young; with a batch of 1, the purge went batch after batch.
    assert purged == 2
    assert await stored_rows(auth_database, old["account_id"]) == []
    assert len(await stored_rows(auth_database, young["account_id"])) == 2


# --- documented and routed ----------------------------------------------------------------------


async def test_openapi_documents_the_endpoint_and_its_refusals(auth: httpx.AsyncClient) -> None:
    paths = (await auth.get("/openapi.json")).json()["paths"]

    operation = paths["/v1/account/audit-log"]["get"]
    assert "insufficient_scope" in operation["responses"]["403"]["description"]
    assert "invalid_cursor" in operation["responses"]["422"]["description"]
    assert "401" in operation["responses"]
    assert {p["name"] for p in operation["parameters"]} == {"limit", "cursor"}


async def test_the_gateway_routes_the_audit_log_to_auth_behind_a_token() -> None:
    assert resolve("/v1/account/audit-log") == "auth"
    assert not is_public("GET", "/v1/account/audit-log")

"""Audit records and activity from outside auth, over the broker into auth's logs
(PostgreSQL, the broker, real HTTP): a contact erased through contacts is in the account's
audit log with who and from where; a replayed event is one record; the gateway's requests
are in the activity log without their query strings, and purged past the retention."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text

from auth_service.config import AuthSettings
from auth_service.retention.service import retention_job
from gateway.main import create_app as gateway_app
from shared.db import create_engine
from shared.events import AuditRecorded, ContentPolicyTripped, serialise_event, utcnow
from shared.kafka import new_producer
from tests.integration.auth_support import AuthApp
from tests.integration.test_gateway import bounded, echo_app, gateway_settings
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Consumer start-up (a group join) and the outbox relay: generous, polled, never slept.
WAIT_SECONDS = 30.0
CLIENT_IP = "203.0.113.9"
USER_AGENT = "feed-test/2.0"


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **headers}


def subject_of(token: str) -> str:
    subject: str = jwt.decode(token, options={"verify_signature": False})["sub"]
    return subject


async def poll(
    client: httpx.AsyncClient,
    path: str,
    token: str,
    done: Callable[[list[dict[str, Any]]], bool],
) -> list[dict[str, Any]]:
    """The first page of the log at `path` once `done` holds, within WAIT_SECONDS."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            answer = await client.get(path, params={"limit": 200}, headers=bearer(token))
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            if done(items):
                return items
            await asyncio.sleep(0.1)


def having(action: str, object_id: str | None = None) -> Callable[[list[dict[str, Any]]], bool]:
    def done(items: list[dict[str, Any]]) -> bool:
        return any(
            i["action"] == action and (object_id is None or i["object_id"] == object_id)
            for i in items
        )

    return done


@pytest.fixture(scope="module")
async def contacts(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app

    settings = ContactsSettings(
        database_url=await databases.create("contacts"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
    )
    async with running_app(create_app(settings)) as client:
        yield client


# --- audit records of other services ----------------------------------------------------


async def test_a_contact_erased_through_contacts_is_in_the_audit_log_with_who_and_where(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    # In-process from 127.0.0.1, a trusted proxy: the client is the rightmost entry.
    origin = {"x-forwarded-for": f"198.51.100.1, {CLIENT_IP}", "user-agent": USER_AGENT}
    created = await contacts.post(
        "/v1/contacts",
        json={"phone": "+44 7700 900123", "name": "Ada"},
        headers=bearer(token, **origin),
    )
    assert created.status_code == 201, created.text
    contact_id = created.json()["id"]
    changed = await contacts.patch(
        f"/v1/contacts/{contact_id}",
        json={"name": "Ada Lovelace", "tags": ["vip"]},
        headers=bearer(token, **origin),
    )
    listed = await contacts.get("/v1/contacts?q=ada", headers=bearer(token, **origin))
    erased = await contacts.delete(f"/v1/contacts/{contact_id}", headers=bearer(token, **origin))
    assert (changed.status_code, listed.status_code, erased.status_code) == (200, 200, 204)

    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        items = await poll(auth, "/v1/account/audit-log", token, having("contact.deleted"))
        items = await poll(auth, "/v1/account/audit-log", token, having("contact.listed"))
        items = await poll(auth, "/v1/account/audit-log", token, having("contact.created"))
        items = await poll(auth, "/v1/account/audit-log", token, having("contact.updated"))

    by_action = {item["action"]: item for item in items}
    deleted = by_action["contact.deleted"]
    assert (deleted["actor_type"], deleted["actor_id"]) == ("user", subject_of(token))
    assert (deleted["object_type"], deleted["object_id"]) == ("contact", contact_id)
    assert (deleted["ip"], deleted["user_agent"]) == (CLIENT_IP, USER_AGENT)
    # The filters' names, never the search text.
    listed_details = {"count": 1, "filters": ["q"], "first_page": True}
    assert by_action["contact.listed"]["details"] == listed_details
    # Names of the fields given, never their values (no phone number, no name).
    assert by_action["contact.created"]["details"] == {"fields": ["name"]}
    assert by_action["contact.updated"]["details"] == {"fields": ["name", "tags"]}
    assert "900123" not in str(items)
    assert "Ada" not in str(items)


async def test_a_failed_erasure_records_nothing(
    contacts: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    missing = await contacts.delete(f"/v1/contacts/{uuid4()}", headers=bearer(token))
    created = await contacts.post(
        "/v1/contacts", json={"phone": "+44 7700 900124"}, headers=bearer(token)
    )
    assert (missing.status_code, created.status_code) == (404, 201)

    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        # Published after the failed erasure, so it is consumed after anything it left.
        items = await poll(auth, "/v1/account/audit-log", token, having("contact.created"))

    assert "contact.deleted" not in [item["action"] for item in items]


async def test_a_replayed_event_is_one_record_with_its_own_time_and_origin(
    broker: str, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    three_days_ago = utcnow() - timedelta(days=3)
    event = AuditRecorded(
        account_id=account_id,
        occurred_at=three_days_ago,
        actor_type="api_key",
        actor_id=str(uuid4()),
        action="webhook.created",
        object_type="webhook",
        object_id="wh_1",
        ip="2001:db8::7",
        user_agent=USER_AGENT,
    )
    # Published afterwards, so once it is in the log the replays before it were handled.
    sentinel = AuditRecorded(account_id=account_id, actor_type="system", action="test.sentinel")
    producer = new_producer(broker)
    await producer.start()
    try:
        for published in (event, event, event, sentinel):
            await producer.send_and_wait(
                published.topic, serialise_event(published), key=published.aggregate_id.encode()
            )
    finally:
        await producer.stop()

    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        items = await poll(auth, "/v1/account/audit-log", token, having("test.sentinel"))

    [record] = [item for item in items if item["action"] == "webhook.created"]
    assert record["id"] == str(event.event_id)
    assert record["occurred_at"].replace("Z", "+00:00") == three_days_ago.isoformat()
    assert (record["actor_type"], record["actor_id"]) == ("api_key", event.actor_id)
    assert (record["ip"], record["user_agent"]) == ("2001:db8::7", USER_AGENT)


# --- the gateway's activity log ------------------------------------------------------------


@pytest.fixture(scope="module")
async def echo() -> AsyncIterator[tuple[FastAPI, str]]:
    app = echo_app()
    async with bounded(served_app(app)) as url:
        yield app, url


async def test_requests_through_the_gateway_are_in_the_activity_log_without_queries(
    broker: str, auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, token = await auth_service.new_account()
    settings = gateway_settings(
        auth_service.base_url,
        echo[1],
        kafka_bootstrap_servers=broker,
        trusted_proxies="127.0.0.0/8",
    )
    origin = {"x-forwarded-for": CLIENT_IP, "user-agent": USER_AGENT}
    marker, unrecorded = uuid4().hex, uuid4().hex
    off = settings.model_copy(update={"activity_log": False})
    async with bounded(served_app(gateway_app(off), proxy_headers=False)) as gateway:
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
            answer = await http.get(f"/v1/contacts/{unrecorded}", headers=bearer(token))
            assert answer.status_code == 200, answer.text
    async with bounded(served_app(gateway_app(settings), proxy_headers=False)) as gateway:
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as http:
            listed = await http.get(
                f"/v1/contacts/{marker}",
                params={"phone": "+447700900123"},
                headers=bearer(token, **origin),
            )
            refused = await http.get("/v1/contacts", headers=bearer("not-a-token", **origin))
            own = await http.get("/healthz")
        async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
            items = await poll(
                auth,
                "/v1/account/activity-log",
                token,
                lambda items: any(marker in item["path"] for item in items),
            )
    assert (listed.status_code, refused.status_code, own.status_code) == (200, 401, 200)

    [record] = [item for item in items if marker in item["path"]]
    assert record["path"] == f"/v1/contacts/{marker}"
    assert record["method"] == "GET"
    assert record["status"] == 200
    assert (record["actor_type"], record["actor_id"]) == ("user", subject_of(token))
    assert (record["ip"], record["user_agent"]) == (CLIENT_IP, USER_AGENT)
    assert record["duration_ms"] > 0
    # The phone number in the query is nowhere; the refused request is not this account's.
    assert "900123" not in str(items)
    assert all(item["status"] != 401 for item in items)
    assert not any(item["path"] == "/healthz" for item in items)
    # GATEWAY_ACTIVITY_LOG=false: that gateway sent nothing at all.
    assert not any(unrecorded in item["path"] for item in items)


async def test_an_api_key_reads_no_activity_log_and_a_made_up_cursor_is_refused(
    auth_service: AuthClient,
) -> None:
    _, token = await auth_service.new_account()
    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        created = await auth.post(
            "/v1/api-keys", json={"name": "ci", "scopes": ["*"]}, headers=bearer(token)
        )
        assert created.status_code == 201, created.text
        exchanged = await auth.post(
            "/internal/api-keys/token", headers=bearer(created.json()["secret"])
        )
        assert exchanged.status_code == 200, exchanged.text
        key_token = exchanged.json()["access_token"]
        refused = await auth.get("/v1/account/activity-log", headers=bearer(key_token))
        bad_cursor = await auth.get(
            "/v1/account/activity-log", params={"cursor": "nope"}, headers=bearer(token)
        )

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "insufficient_scope"
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["code"] == "invalid_cursor"


async def test_activity_past_the_retention_is_purged(auth_app: AuthApp, auth_database: str) -> None:
    account_id = uuid4()
    now = utcnow()
    ages = {"old": now - timedelta(days=31), "recent": now - timedelta(days=29)}
    async with auth_app(activity_retention_days=30) as (app, _):
        engine = create_engine(auth_database)
        try:
            async with engine.begin() as connection:
                for path, at in ages.items():
                    await connection.execute(
                        text(
                            "INSERT INTO activity_log (id, account_id, occurred_at, method, "
                            "path, status, duration_ms) VALUES (:id, :a, :at, 'GET', :p, 200, 1)"
                        ),
                        {"id": uuid4(), "a": account_id, "at": at, "p": f"/v1/{path}"},
                    )
            # The app's own retention job may get there first (it runs at start-up too):
            # either way the old row must be gone once this round is over.
            await retention_job(
                app.state.runtime.sessionmaker,
                batch_size=1000,
                activity_retention_days=app.state.settings.activity_retention_days,
            ).run_once()
            async with engine.connect() as connection:
                left = await connection.scalars(
                    text("SELECT path FROM activity_log WHERE account_id = :a"), {"a": account_id}
                )
                paths = list(left)
        finally:
            await engine.dispose()

    assert paths == ["/v1/recent"]


async def test_the_activity_retention_is_a_month_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AuthSettings().activity_retention_days == 30
    monkeypatch.setenv("AUTH_ACTIVITY_RETENTION_DAYS", "32")
    with pytest.raises(ValidationError):
        AuthSettings()


# --- dispatch's content policy suspends through auth ---------------------------------------


async def test_a_tripped_content_policy_suspends_the_account_once(
    broker: str, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    tripped = [
        ContentPolicyTripped(account_id=account_id, hits=5, day=date(2026, 12, 1)),
        # The next day's verdict on an account already suspended: nothing more happens.
        ContentPolicyTripped(account_id=account_id, hits=5, day=date(2026, 12, 2)),
    ]
    producer = new_producer(broker)
    await producer.start()
    try:
        # One key, so one partition: in this order, the replay last.
        for published in (*tripped, tripped[0]):
            await producer.send_and_wait(
                published.topic, serialise_event(published), key=published.aggregate_id.encode()
            )
    finally:
        await producer.stop()

    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        items = await poll(auth, "/v1/account/audit-log", token, having("account.suspended"))
        account = (await auth.get("/v1/account", headers=bearer(token))).json()

    suspensions = [item for item in items if item["action"] == "account.suspended"]
    assert [(s["actor_type"], s["details"]) for s in suspensions] == [
        ("system", {"from": "active", "to": "suspended"})
    ]
    assert account["state"] == "suspended"
    assert "content policy" in account["state_reason"]

"""Account states in auth (issue 7, items 5 and 6): operators made by the CLI only, who find
accounts and block, suspend, unblock or reinstate them; owners who close their account and
reopen it by logging in. Every change publishes one `account.state_changed` and leaves an
audit record."""

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from gateway.routes import resolve
from shared.events import AccountStateChanged, parse_event
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
OPERATOR_PASSWORD = "operators have long passwords too"


def new_email(prefix: str = "state") -> str:
    return f"{prefix}-{os.urandom(6).hex()}@example.com"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def ops_cli(database_url: str, *args: str, stdin: str) -> tuple[int, str, str]:
    """The operator's command, run as a process the way staff would run it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "auth_service.ops", *args,
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'services' / 'auth'}",
            "AUTH_DATABASE_URL": database_url,
        },
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(90):
        out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/v1/auth/login", json={"email": email, "password": password})


async def customer(client: httpx.AsyncClient, company: str | None = None) -> dict[str, Any]:
    """A registered, logged-in owner: e-mail, company, tokens and account_id."""
    email = new_email()
    company = company or f"Company {os.urandom(4).hex()}"
    answer = await client.post(
        "/v1/auth/register",
        json={"email": email, "password": PASSWORD, "company_name": company},
    )
    assert answer.status_code == 202, answer.text
    answer = await login(client, email)
    assert answer.status_code == 200, answer.text
    return {"email": email, "company": company, **answer.json()}


async def operator(client: httpx.AsyncClient, auth_database: str) -> str:
    """An operator made by the CLI, logged in; returns the access token."""
    email = new_email("ops")
    code, out, err = await ops_cli(
        auth_database, "create-operator", email, stdin=OPERATOR_PASSWORD + "\n"
    )
    assert code == 0, err
    assert email in out
    answer = await login(client, email, OPERATOR_PASSWORD)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def read_all_partitions(broker: str, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Everything in `topic` right now, every partition, without joining a group (the
    account's events are all on one partition, by their key)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        numbers = consumer.partitions_for_topic(topic) or set()
        partitions = [TopicPartition(topic, n) for n in sorted(numbers)]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[Any, Any]] = []
        async with asyncio.timeout(20):
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def state_events(broker: str, account_id: str, count: int) -> list[AccountStateChanged]:
    """The account's `account.state_changed` events once there are at least `count`."""
    found: list[AccountStateChanged] = []

    async def enough() -> bool:
        records = await read_all_partitions(broker, AccountStateChanged.topic)
        events = [parse_event(r.value) for r in records if r.key == account_id.encode()]
        found[:] = [e for e in events if isinstance(e, AccountStateChanged)]
        return len(found) >= count

    await eventually(enough, timeout=30, every=0.2)
    return found


async def audit_actions(client: httpx.AsyncClient, token: str) -> list[tuple[str, str]]:
    """(action, actor_type) of the account's state records, oldest first."""
    answer = await client.get("/v1/account/audit-log", params={"limit": 200}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return [
        (item["action"], item["actor_type"])
        for item in reversed(answer.json()["items"])
        if item["action"].startswith("account.") and item["action"] != "account.registered"
    ]


async def test_the_cli_makes_an_operator_who_finds_accounts_and_a_customer_cannot(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    ops = await operator(auth, auth_database)
    acme = await customer(auth, company=f"Acme Widgets {os.urandom(3).hex()}")

    for query in (acme["company"].upper()[3:], acme["email"], acme["account_id"]):
        answer = await auth.get("/v1/ops/accounts", params={"query": query}, headers=bearer(ops))
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert [item["id"] for item in items] == [acme["account_id"]], query
        assert items[0] == {
            "id": acme["account_id"],
            "company_name": acme["company"],
            "contact_email": acme["email"],
            "state": "active",
            "state_reason": None,
            # Signed up under policy `open` (the test factory's): verified, no trial.
            "email_verified": True,
            "trial": False,
            "created_at": items[0]["created_at"],
        }

    # The operators' own internal account is never among the customers.
    listed = await auth.get(
        "/v1/ops/accounts", params={"query": "Platform operators"}, headers=bearer(ops)
    )
    assert listed.json()["items"] == []

    for method, path, body in (
        ("GET", "/v1/ops/accounts", None),
        ("POST", f"/v1/ops/accounts/{acme['account_id']}/block", {"reason": "spam"}),
        ("POST", f"/v1/ops/accounts/{acme['account_id']}/unblock", None),
    ):
        refused = await auth.request(method, path, json=body, headers=bearer(acme["access_token"]))
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "forbidden"
    assert (await auth.get("/v1/ops/accounts")).status_code == 401


async def test_the_cli_refuses_a_weak_password_and_a_taken_email(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    code, _, err = await ops_cli(auth_database, "create-operator", new_email(), stdin="short\n")
    assert code == 1
    assert "12 characters" in err
    taken = await customer(auth)
    code, _, err = await ops_cli(
        auth_database, "create-operator", taken["email"], stdin=OPERATOR_PASSWORD + "\n"
    )
    assert code == 1
    assert "already" in err
    # The customer is still a customer: not an operator.
    relogin = await login(auth, taken["email"])
    refused = await auth.get("/v1/ops/accounts", headers=bearer(relogin.json()["access_token"]))
    assert refused.status_code == 403


async def test_a_removed_operator_logs_in_and_refreshes_no_more_and_customers_stay(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    email = new_email("ops")
    code, _, err = await ops_cli(
        auth_database, "create-operator", email, stdin=OPERATOR_PASSWORD + "\n"
    )
    assert code == 0, err
    session = (await login(auth, email, OPERATOR_PASSWORD)).json()
    acme = await customer(auth)

    code, out, err = await ops_cli(auth_database, "remove-operator", email.upper(), stdin="")
    assert code == 0, err
    assert email in out

    assert (await login(auth, email, OPERATOR_PASSWORD)).status_code == 401
    refreshed = await auth.post(
        "/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 401, refreshed.text
    # A customer's user is no operator: the command refuses and changes nothing.
    code, _, err = await ops_cli(auth_database, "remove-operator", acme["email"], stdin="")
    assert code == 1
    assert "no operator" in err
    assert (await login(auth, acme["email"])).status_code == 200


async def test_each_operator_action_publishes_one_event_and_an_audit_record(
    auth: httpx.AsyncClient, auth_database: str, broker: str
) -> None:
    ops = await operator(auth, auth_database)
    acme = await customer(auth)
    base = f"/v1/ops/accounts/{acme['account_id']}"
    steps = [
        ("suspend", {"reason": "unpaid invoice 2026-11"}, "suspended"),
        ("reinstate", None, "active"),
        ("block", {"reason": "phishing campaign"}, "blocked"),
        ("unblock", None, "active"),
    ]
    for action, body, state in steps:
        answer = await auth.post(f"{base}/{action}", json=body, headers=bearer(ops))
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == state
        assert answer.json()["state_reason"] == (body or {}).get("reason")

    events = await state_events(broker, acme["account_id"], len(steps))
    assert [(e.state, e.reason) for e in events] == [
        ("suspended", "unpaid invoice 2026-11"),
        ("active", None),
        ("blocked", "phishing campaign"),
        ("active", None),
    ]
    assert await audit_actions(auth, acme["access_token"]) == [
        ("account.suspended", "operator"),
        ("account.reinstated", "operator"),
        ("account.blocked", "operator"),
        ("account.unblocked", "operator"),
    ]


async def test_invalid_transitions_unknown_accounts_and_missing_reasons_are_refused(
    auth: httpx.AsyncClient, auth_database: str, broker: str
) -> None:
    ops = await operator(auth, auth_database)
    acme = await customer(auth)
    base = f"/v1/ops/accounts/{acme['account_id']}"

    for action in ("unblock", "reinstate"):
        refused = await auth.post(f"{base}/{action}", headers=bearer(ops))
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "invalid_state_transition"
        assert refused.json()["state"] == "active"

    for body in (None, {}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}):
        refused = await auth.post(f"{base}/block", json=body, headers=bearer(ops))
        assert refused.status_code == 422, (body, refused.text)

    blocked = await auth.post(f"{base}/block", json={"reason": "x" * 500}, headers=bearer(ops))
    assert blocked.status_code == 200, blocked.text
    for action, body in (("suspend", {"reason": "unpaid"}), ("block", {"reason": "again"})):
        refused = await auth.post(f"{base}/{action}", json=body, headers=bearer(ops))
        assert refused.status_code == 409, refused.text
        assert refused.json()["state"] == "blocked"

    unknown = await auth.post(
        "/v1/ops/accounts/00000000-0000-0000-0000-000000000042/block",
        json={"reason": "spam"},
        headers=bearer(ops),
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"

    # Only the change that was made was published (a refused one would come before it).
    events = await state_events(broker, acme["account_id"], 1)
    assert [e.state for e in events] == ["blocked"]


async def test_a_blocked_account_logs_in_and_reads_why(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    ops = await operator(auth, auth_database)
    acme = await customer(auth)
    profile = await auth.get("/v1/account", headers=bearer(acme["access_token"]))
    assert (profile.json()["state"], profile.json()["state_reason"]) == ("active", None)

    blocked = await auth.post(
        f"/v1/ops/accounts/{acme['account_id']}/block",
        json={"reason": "bulk phishing reported by operators"},
        headers=bearer(ops),
    )
    assert blocked.status_code == 200, blocked.text

    again = await login(auth, acme["email"])
    assert again.status_code == 200, again.text
    assert again.json()["account_reopened"] is False
    profile = await auth.get("/v1/account", headers=bearer(again.json()["access_token"]))
    assert profile.status_code == 200
    assert profile.json()["state"] == "blocked"
    assert profile.json()["state_reason"] == "bulk phishing reported by operators"


async def test_closing_ends_sessions_and_logging_in_reopens(
    auth: httpx.AsyncClient, auth_database: str, broker: str
) -> None:
    acme = await customer(auth)
    ops = await operator(auth, auth_database)
    refused = await auth.post("/v1/account/close", headers=bearer(ops))
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"

    closed = await auth.post("/v1/account/close", headers=bearer(acme["access_token"]))
    assert closed.status_code == 204, closed.text
    again = await auth.post("/v1/account/close", headers=bearer(acme["access_token"]))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state_transition"
    # The sessions of the closed account are over.
    refresh = await auth.post("/v1/auth/refresh", json={"refresh_token": acme["refresh_token"]})
    assert refresh.status_code == 401

    listed = await auth.get(
        "/v1/ops/accounts", params={"query": acme["account_id"]}, headers=bearer(ops)
    )
    assert listed.json()["items"][0]["state"] == "closed"

    reopened = await login(auth, acme["email"])
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["account_reopened"] is True
    assert reopened.json()["account_id"] == acme["account_id"]
    token = reopened.json()["access_token"]
    profile = await auth.get("/v1/account", headers=bearer(token))
    assert profile.json()["state"] == "active"
    next_login = await login(auth, acme["email"])
    assert next_login.json()["account_reopened"] is False

    events = await state_events(broker, acme["account_id"], 2)
    assert [(e.state, e.reason) for e in events] == [("closed", None), ("active", None)]
    assert await audit_actions(auth, token) == [
        ("account.closed", "user"),
        ("account.reopened", "user"),
    ]


async def test_the_ops_routes_pass_the_gateway_and_every_new_code_is_documented(
    auth: httpx.AsyncClient,
) -> None:
    assert resolve("/v1/ops/accounts") == "auth"
    assert resolve("/v1/ops/accounts/00000000-0000-0000-0000-000000000042/block") == "auth"
    document = (await auth.get("/openapi.json")).json()
    paths = document["paths"]
    for action in ("block", "unblock", "suspend", "reinstate"):
        responses = paths[f"/v1/ops/accounts/{{account_id}}/{action}"]["post"]["responses"]
        assert "invalid_state_transition" in responses["409"]["description"]
        assert "forbidden" in responses["403"]["description"]
        assert "404" in responses
    assert "forbidden" in paths["/v1/ops/accounts"]["get"]["responses"]["403"]["description"]
    close = paths["/v1/account/close"]["post"]["responses"]
    assert "invalid_state_transition" in close["409"]["description"]
    assert "forbidden" in close["403"]["description"]
    login_doc = paths["/v1/auth/login"]["post"]["responses"]["200"]["content"]
    schema_ref = login_doc["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "account_reopened" in document["components"]["schemas"][schema_ref]["properties"]
    profile_ref = paths["/v1/account"]["get"]["responses"]["200"]["content"]["application/json"]
    profile_schema = profile_ref["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"state", "state_reason"} <= set(
        document["components"]["schemas"][profile_schema]["properties"]
    )


async def test_an_api_keys_token_neither_operates_nor_closes(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    acme = await customer(auth)
    created = await auth.post(
        "/v1/api-keys",
        json={"name": "everything", "scopes": ["*"]},
        headers=bearer(acme["access_token"]),
    )
    assert created.status_code == 201, created.text
    exchanged = await auth.post(
        "/internal/api-keys/token", headers=bearer(created.json()["secret"])
    )
    assert exchanged.status_code == 200, exchanged.text
    key_token = exchanged.json()["access_token"]
    # Operating is for the platform's staff (`forbidden`); closing is for a person of the
    # account, which a key is not (`insufficient_scope`, as on every person-only route).
    for method, path, body, code in (
        ("GET", "/v1/ops/accounts", None, "forbidden"),
        (
            "POST",
            f"/v1/ops/accounts/{acme['account_id']}/suspend",
            {"reason": "unpaid"},
            "forbidden",
        ),
        ("POST", "/v1/account/close", None, "insufficient_scope"),
    ):
        refused = await auth.request(method, path, json=body, headers=bearer(key_token))
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["code"] == code
    profile = await auth.get("/v1/account", headers=bearer(acme["access_token"]))
    assert profile.json()["state"] == "active"


async def test_a_closed_account_blocked_for_abuse_does_not_reopen_by_logging_in(
    auth: httpx.AsyncClient, auth_database: str, broker: str
) -> None:
    ops = await operator(auth, auth_database)
    acme = await customer(auth)
    closed = await auth.post("/v1/account/close", headers=bearer(acme["access_token"]))
    assert closed.status_code == 204
    blocked = await auth.post(
        f"/v1/ops/accounts/{acme['account_id']}/block",
        json={"reason": "abuse found after closing"},
        headers=bearer(ops),
    )
    assert blocked.status_code == 200, blocked.text

    again = await login(auth, acme["email"])
    assert again.status_code == 200
    assert again.json()["account_reopened"] is False
    profile = await auth.get("/v1/account", headers=bearer(again.json()["access_token"]))
    assert (profile.json()["state"], profile.json()["state_reason"]) == (
        "blocked",
        "abuse found after closing",
    )
    events = await state_events(broker, acme["account_id"], 2)
    assert [e.state for e in events] == ["closed", "blocked"]


async def test_the_search_pages_newest_first_and_refuses_a_made_up_cursor(
    auth: httpx.AsyncClient, auth_database: str
) -> None:
    ops = await operator(auth, auth_database)
    tag = os.urandom(4).hex()
    made = [await customer(auth, company=f"Paged {tag} {n}") for n in range(3)]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(3):
        params = {"query": f"paged {tag}", "limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = await auth.get("/v1/ops/accounts", params=params, headers=bearer(ops))
        assert answer.status_code == 200, answer.text
        seen += [item["id"] for item in answer.json()["items"]]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [account["account_id"] for account in reversed(made)]
    refused = await auth.get(
        "/v1/ops/accounts", params={"cursor": "not-a-cursor"}, headers=bearer(ops)
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_cursor"

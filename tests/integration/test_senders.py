"""Sender names against PostgreSQL, the broker and the real auth: a customer requests a
name, an operator approves, rejects or revokes it, and intake sends only with names
approved for the account."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from fastapi import FastAPI

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient

    async def call(
        self, method: str, path: str, token: str, body: Any = None, **params: Any
    ) -> httpx.Response:
        return await self.client.request(
            method, path, json=body, params=params, headers={"Authorization": f"Bearer {token}"}
        )

    async def send(self, token: str, **body: Any) -> httpx.Response:
        return await self.call("POST", "/v1/messages", token, {"to": "+447700900123", **body})

    async def stored(self, token: str) -> list[dict[str, Any]]:
        response = await self.call("GET", "/v1/messages", token, limit=200)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def request(self, token: str, name: str, **fields: Any) -> httpx.Response:
        body = {
            "name": name,
            "kind": "alphanumeric",
            "company": "Acme Ltd",
            "purpose": "Delivery notifications",
            **fields,
        }
        return await self.call("POST", "/v1/senders", token, body)

    async def requested(self, token: str, name: str, **fields: Any) -> str:
        response = await self.request(token, name, **fields)
        assert response.status_code == 201, response.text
        assert response.json()["state"] == "pending"
        return str(response.json()["id"])

    async def names(self, token: str) -> list[dict[str, Any]]:
        response = await self.call("GET", "/v1/senders", token)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def decide(
        self, ops: str, sender_id: str, action: str, reason: str | None = None
    ) -> httpx.Response:
        body = None if reason is None else {"reason": reason}
        return await self.call("POST", f"/v1/ops/senders/{sender_id}/{action}", ops, body)

    async def approved(self, token: str, ops: str, name: str, **fields: Any) -> str:
        sender_id = await self.requested(token, name, **fields)
        response = await self.decide(ops, sender_id, "approve")
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "approved"
        return sender_id


def _dispatch(database_url: str, broker: str, auth: AuthClient, **settings: Any) -> FastAPI:
    return create_app(
        DispatchSettings(
            database_url=database_url,
            kafka_bootstrap_servers=broker,
            jwks_url=auth.jwks_url,
            environment="test",
            consumer_group=f"dispatch-senders-{uuid4().hex[:8]}",
            **settings,
        )
    )


@dataclass
class Processes:
    # Two dispatch processes on one database: `other` has its own map of approved senders.
    one: Dispatch
    other: Dispatch


@pytest.fixture(scope="module")
async def processes(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Processes]:
    url = await databases.create("dispatch")
    one = _dispatch(url, broker, auth_service)
    # A short interval, so that the test of its bound waits little.
    other = _dispatch(url, broker, auth_service, senders_refresh_seconds=0.5)
    async with running_app(one) as one_client, running_app(other) as other_client:
        yield Processes(Dispatch(one, one_client), Dispatch(other, other_client))


@pytest.fixture
def dispatch(processes: Processes) -> Dispatch:
    return processes.one


def token_as(auth: AuthClient, token: str, role: str) -> str:
    """A token auth's own key signs, for the same account with another role: how an
    operator's (role `ops`, made by auth's CLI) or a viewer's login token looks."""
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    claims |= {"role": role, "sub": str(uuid4())}
    key = auth.signing_key_file.read_bytes()
    return jwt.encode(claims, key, "RS256", headers={"kid": kid})


@pytest.fixture
async def ops(auth_service: AuthClient) -> str:
    _, token = await auth_service.new_account("Platform operators")
    return token_as(auth_service, token, "ops")


def unique_name(prefix: str = "Sn") -> str:
    return f"{prefix}{secrets.token_hex(3)}"  # up to 11 characters


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    return problem


# --- the workflow --------------------------------------------------------------------------


async def test_requested_approved_then_sent_with(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    _, token = await auth_service.new_account()
    name = unique_name()
    sender_id = await dispatch.requested(
        token, name, documents=["https://example.com/trademark.pdf"]
    )
    assert_problem(await dispatch.send(token, text="Hi", sender=name), 422, "sender_not_approved")

    queue = await dispatch.call("GET", "/v1/ops/senders", ops, state="pending", limit=200)
    assert queue.status_code == 200, queue.text
    listed = [item for item in queue.json()["items"] if item["id"] == sender_id]
    assert [(item["name"], item["documents"]) for item in listed] == [
        (name, ["https://example.com/trademark.pdf"])
    ]
    approved = await dispatch.decide(ops, sender_id, "approve")
    assert approved.status_code == 200, approved.text

    sent = await dispatch.send(token, text="Hi", sender=name)
    assert sent.status_code == 202, sent.text
    assert sent.json()["sender"] == name
    batch = await dispatch.call(
        "POST", "/v1/messages/batch", token, {"text": "Hi", "to": ["+447700900401"], "sender": name}
    )
    assert batch.status_code == 202, batch.text
    assert [(n["name"], n["state"], n["reason"]) for n in await dispatch.names(token)] == [
        (name, "approved", None)
    ]
    assert_problem(
        await dispatch.decide(ops, sender_id, "approve"), 409, "invalid_state_transition"
    )


async def test_a_rejection_shows_its_reason(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    _, token = await auth_service.new_account()
    name = unique_name()
    sender_id = await dispatch.requested(token, name)

    rejected = await dispatch.decide(ops, sender_id, "reject", "No trademark shown")

    assert rejected.status_code == 200, rejected.text
    assert [(n["state"], n["reason"]) for n in await dispatch.names(token)] == [
        ("rejected", "No trademark shown")
    ]
    assert_problem(await dispatch.send(token, text="Hi", sender=name), 422, "sender_not_approved")
    # Rejected is final; asking again is a new request.
    assert_problem(
        await dispatch.decide(ops, sender_id, "approve"), 409, "invalid_state_transition"
    )
    assert (await dispatch.request(token, name)).status_code == 201


async def test_one_name_one_company(dispatch: Dispatch, auth_service: AuthClient, ops: str) -> None:
    _, first = await auth_service.new_account("First")
    _, second = await auth_service.new_account("Second")
    _, third = await auth_service.new_account("Third")
    name = unique_name("Acme")
    first_id = await dispatch.requested(first, name)
    # Pending elsewhere does not stop a request: the operator decides.
    second_id = await dispatch.requested(second, name.upper())

    assert (await dispatch.decide(ops, first_id, "approve")).status_code == 200

    # Approving another company's request for it is refused, and so is asking for it,
    # whatever the case or separators.
    assert_problem(await dispatch.decide(ops, second_id, "approve"), 409, "sender_name_taken")
    assert_problem(await dispatch.request(third, name.lower()), 409, "sender_name_taken")
    assert_problem(
        await dispatch.request(third, f"{name[:4]}-{name[4:]}"), 409, "sender_name_taken"
    )
    # The same account asking twice is told it has it.
    again = assert_problem(await dispatch.request(first, name), 409, "sender_already_requested")
    assert again["state"] == "approved"


async def test_racing_approvals_leave_one_company(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    name = unique_name()
    requests = []
    for company in ("First", "Second", "Third"):
        _, token = await auth_service.new_account(company)
        requests.append((token, await dispatch.requested(token, name)))

    answers = await asyncio.gather(
        *(dispatch.decide(ops, sender_id, "approve") for _, sender_id in requests)
    )

    assert sorted(answer.status_code for answer in answers) == [200, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            assert_problem(answer, 409, "sender_name_taken")
    states = [[n["state"] for n in await dispatch.names(token)] for token, _ in requests]
    assert sorted(states) == [["approved"], ["pending"], ["pending"]]


@pytest.mark.parametrize("name", ["Google", "G00GLE", "Pay-Pa1", "royal mail"])
async def test_protected_brands_are_refused(
    dispatch: Dispatch, auth_service: AuthClient, name: str
) -> None:
    _, token = await auth_service.new_account()

    assert_problem(await dispatch.request(token, name), 422, "sender_name_protected")
    assert await dispatch.names(token) == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("B\u0430nk", "alphanumeric"),  # Cyrillic а
        ("\uff21cme", "alphanumeric"),  # full-width A
        ("Acme\u0007", "alphanumeric"),
        ("Acme\u202e", "alphanumeric"),
        ("TwelveCharsX", "alphanumeric"),
        ("Bad!", "alphanumeric"),
        ("Acme", "numeric"),
        ("1234567890123456", "numeric"),
    ],
)
async def test_bad_names_are_refused(
    dispatch: Dispatch, auth_service: AuthClient, name: str, kind: str
) -> None:
    _, token = await auth_service.new_account()

    assert_problem(await dispatch.request(token, name, kind=kind), 422, "invalid_sender_name")
    assert await dispatch.names(token) == []


async def test_numeric_and_short_code_names(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    _, token = await auth_service.new_account()
    number = f"+4477009{secrets.randbelow(10**5):05d}"
    await dispatch.approved(token, ops, number, kind="numeric")

    sent = await dispatch.send(token, text="Hi", sender=number)

    assert sent.status_code == 202, sent.text
    assert sent.json()["sender"] == number


# --- intake --------------------------------------------------------------------------------


async def test_unapproved_senders_store_nothing(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    _, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    theirs = unique_name()
    await dispatch.approved(other, ops, theirs)

    for sender in ("Nobody", theirs):
        assert_problem(
            await dispatch.send(token, text="Hi", sender=sender), 422, "sender_not_approved"
        )
        refused = await dispatch.call(
            "POST",
            "/v1/messages/batch",
            token,
            {"text": "Hi", "to": ["+447700900401"], "sender": sender},
        )
        assert_problem(refused, 422, "sender_not_approved")
    assert await dispatch.stored(token) == []


async def test_a_batch_refuses_the_entries_with_unapproved_senders(
    dispatch: Dispatch, auth_service: AuthClient, ops: str
) -> None:
    _, token = await auth_service.new_account()
    ours = unique_name()
    await dispatch.approved(token, ops, ours)
    messages = [
        {"to": "+447700900501", "text": "Hi", "sender": ours},
        {"to": "+447700900502", "text": "Hi", "sender": "Nobody"},
        {"to": "+447700900503", "text": "Hi"},
    ]

    response = await dispatch.call("POST", "/v1/messages/batch", token, {"messages": messages})

    assert response.status_code == 202, response.text
    assert [(r["index"], r["code"]) for r in response.json()["rejected"]] == [
        (1, "sender_not_approved")
    ]
    stored = await dispatch.stored(token)
    assert sorted(m["sender"] for m in stored) == sorted([ours, "SMSGW"])


async def test_the_default_sender(dispatch: Dispatch, auth_service: AuthClient, ops: str) -> None:
    _, token = await auth_service.new_account()
    name = unique_name()
    pending = unique_name()
    sender_id = await dispatch.approved(token, ops, name)
    await dispatch.requested(token, pending)

    platform = await dispatch.send(token, text="Hi")
    assert platform.status_code == 202, platform.text
    assert platform.json()["sender"] == "SMSGW"
    assert_problem(
        await dispatch.call("PUT", "/v1/senders/default", token, {"name": pending}),
        422,
        "sender_not_approved",
    )
    chosen = await dispatch.call("PUT", "/v1/senders/default", token, {"name": name})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["default"] is True

    sent = await dispatch.send(token, text="Hi")
    assert sent.status_code == 202, sent.text
    assert sent.json()["sender"] == name
    batch = await dispatch.call(
        "POST", "/v1/messages/batch", token, {"text": "Hi", "to": ["+447700900401"]}
    )
    assert batch.status_code == 202, batch.text
    # The platform's own stays allowed by name.
    assert (await dispatch.send(token, text="Hi", sender="SMSGW")).status_code == 202
    assert [n["default"] for n in await dispatch.names(token) if n["id"] == sender_id] == [True]
    assert sorted(m["sender"] for m in await dispatch.stored(token)) == sorted(
        ["SMSGW", name, name, "SMSGW"]
    )


async def test_a_revoked_name_is_refused_within_the_refresh(
    processes: Processes, auth_service: AuthClient, ops: str
) -> None:
    one, other = processes.one, processes.other
    _, token = await auth_service.new_account()
    name = unique_name()
    sender_id = await one.approved(token, ops, name)
    default = await one.call("PUT", "/v1/senders/default", token, {"name": name})
    assert default.status_code == 200, default.text
    # The other process has the name in its map, as its default.
    assert (await other.send(token, text="Hi", sender=name)).status_code == 202

    revoked = await one.decide(ops, sender_id, "revoke", "Trademark dispute")

    assert revoked.status_code == 200, revoked.text
    assert_problem(await one.send(token, text="Hi", sender=name), 422, "sender_not_approved")
    async with asyncio.timeout(WAIT_SECONDS):
        while (await other.send(token, text="Hi", sender=name)).status_code != 422:
            await asyncio.sleep(0.1)
    after = await other.send(token, text="Hi")
    assert after.json()["sender"] == "SMSGW"
    assert [(n["state"], n["reason"], n["default"]) for n in await one.names(token)] == [
        ("revoked", "Trademark dispute", False)
    ]


async def test_withdrawing_names(dispatch: Dispatch, auth_service: AuthClient, ops: str) -> None:
    _, token = await auth_service.new_account()
    pending_id = await dispatch.requested(token, unique_name())
    name = unique_name()
    approved_id = await dispatch.approved(token, ops, name)

    for sender_id in (pending_id, approved_id, approved_id):
        response = await dispatch.call("DELETE", f"/v1/senders/{sender_id}", token)
        assert response.status_code == 204, response.text

    states = {n["id"]: n["state"] for n in await dispatch.names(token)}
    assert states == {pending_id: "withdrawn", approved_id: "revoked"}
    assert_problem(await dispatch.send(token, text="Hi", sender=name), 422, "sender_not_approved")
    assert_problem(
        await dispatch.decide(ops, pending_id, "approve"), 409, "invalid_state_transition"
    )


# --- who may ---------------------------------------------------------------------------------


async def test_another_accounts_name_is_not_found(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, owner = await auth_service.new_account()
    _, stranger = await auth_service.new_account()
    sender_id = await dispatch.requested(owner, unique_name())

    assert_problem(
        await dispatch.call("DELETE", f"/v1/senders/{sender_id}", stranger), 404, "not_found"
    )
    assert await dispatch.names(stranger) == []
    assert [n["state"] for n in await dispatch.names(owner)] == ["pending"]


async def test_customers_may_not_review(dispatch: Dispatch, auth_service: AuthClient) -> None:
    _, token = await auth_service.new_account()
    sender_id = await dispatch.requested(token, unique_name())

    assert_problem(await dispatch.call("GET", "/v1/ops/senders", token), 403, "forbidden")
    for action in ("approve", "reject", "revoke"):
        refused = await dispatch.decide(token, sender_id, action, "mine")
        assert_problem(refused, 403, "forbidden")
    assert [n["state"] for n in await dispatch.names(token)] == ["pending"]


async def test_roles(dispatch: Dispatch, auth_service: AuthClient, ops: str) -> None:
    _, owner = await auth_service.new_account()
    viewer = token_as(auth_service, owner, "viewer")
    developer = token_as(auth_service, owner, "developer")
    await dispatch.requested(owner, unique_name())

    assert len(await dispatch.names(viewer)) == 1
    for token in (viewer, developer):
        assert_problem(await dispatch.request(token, unique_name()), 403, "forbidden")
        refused = await dispatch.call("PUT", "/v1/senders/default", token, {"name": "X"})
        assert_problem(refused, 403, "forbidden")
    # Operators act through /v1/ops only, never as a customer's user.
    assert_problem(await dispatch.request(ops, unique_name()), 403, "forbidden")


async def test_unknown_sender_ids(dispatch: Dispatch, ops: str) -> None:
    assert_problem(await dispatch.decide(ops, str(uuid4()), "approve"), 404, "not_found")
    assert_problem(await dispatch.decide(ops, str(uuid4()), "reject", "x"), 404, "not_found")
    assert_problem(await dispatch.decide(ops, "not-an-id", "approve"), 422, "validation_error")


async def test_decisions_are_announced_for_the_account(
    dispatch: Dispatch, auth_service: AuthClient, ops: str, broker: str
) -> None:
    """Each approval or rejection is published once (auth's notifications mail it)."""
    from aiokafka import AIOKafkaConsumer

    from shared.events import SenderNameDecided, parse_event

    account_id, token = await auth_service.new_account()
    approved_name, rejected_name = unique_name(), unique_name()
    approved_id = await dispatch.requested(token, approved_name)
    rejected_id = await dispatch.requested(token, rejected_name)
    assert (await dispatch.decide(ops, approved_id, "approve")).status_code == 200
    answer = await dispatch.decide(ops, rejected_id, "reject", "No trademark shown")
    assert answer.status_code == 200
    # A decision refused changes nothing, and announces nothing.
    assert (await dispatch.decide(ops, rejected_id, "approve")).status_code == 409

    consumer = AIOKafkaConsumer(
        SenderNameDecided.topic,
        bootstrap_servers=broker,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: list[tuple[str, str, str, str | None]] = []
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while len(seen) < 2:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        event = parse_event(record.value)
                        if isinstance(event, SenderNameDecided) and str(event.sender_id) in (
                            approved_id,
                            rejected_id,
                        ):
                            assert event.account_id == account_id
                            seen.append(
                                (str(event.sender_id), event.name, event.decision, event.reason)
                            )
            await asyncio.sleep(1)  # anything more would be a second announcement
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    event = parse_event(record.value)
                    assert not (
                        isinstance(event, SenderNameDecided)
                        and str(event.sender_id) in (approved_id, rejected_id)
                    ), event
    finally:
        await consumer.stop()
    assert sorted(seen) == sorted(
        [
            (approved_id, approved_name, "approved", None),
            (rejected_id, rejected_name, "rejected", "No trademark shown"),
        ]
    )

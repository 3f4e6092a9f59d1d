"""The content policy at dispatch's intake (issue 8, item 2), against the real dispatch app,
PostgreSQL and the broker: blocked texts are refused with their category and leave no
message and no `message.accepted` behind; operators edit the rules and see the hits; the
Nth hit of a day suspends the account's sending once, until an operator clears it."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, get_args
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from sqlalchemy import func, select

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.main import create_app
from dispatch_service.messages.models import Message
from gateway.routes import resolve
from shared.events import BatchAccepted, ContentPolicyTripped, Event, MessageAccepted
from shared.roles import OPS_ROLE
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

HITS_BEFORE_SUSPENSION = 3


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient
    ops_token: str
    broker: str

    async def send(self, token: str, text: str) -> httpx.Response:
        return await self.client.post(
            "/v1/messages", json={"to": "+447700900123", "text": text}, headers=bearer(token)
        )

    async def batch(self, token: str, texts: list[str]) -> httpx.Response:
        body = {"messages": [{"to": "+447700900123", "text": text} for text in texts]}
        return await self.client.post("/v1/messages/batch", json=body, headers=bearer(token))

    async def ops(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return await self.client.request(
            method, path, json=body, params=params or None, headers=bearer(self.ops_token)
        )

    async def stored(self, account_id: UUID) -> int:
        async with self.app.state.runtime.sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).select_from(Message).where(Message.account_id == account_id)
            )
            return int(count or 0)

    async def events(self, account_id: UUID, event: type[Event]) -> list[dict[str, Any]]:
        """The account's events of this type published so far: once the relay has emptied
        the outbox, everything committed is on the broker."""

        async def outbox_empty() -> bool:
            async with self.app.state.runtime.sessionmaker() as session:
                return await session.scalar(select(func.count()).select_from(Outbox)) == 0

        assert await eventually(outbox_empty)
        wanted = get_args(event.model_fields["type"].annotation)[0]
        found = []
        for record in await read_all_partitions(self.broker, event.topic):
            value = json.loads(record.value)
            if value["type"] == wanted and value["account_id"] == str(account_id):
                found.append(value)
        return found


async def read_all_partitions(broker: str, topic: str) -> list[ConsumerRecord[Any, Any]]:
    """Everything in `topic` right now, every partition, without joining a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        partitions = [TopicPartition(topic, n) for n in consumer.partitions_for_topic(topic) or ()]
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


def operator_token(auth_service: AuthClient, customer_token: str) -> str:
    """A token as auth issues one to an operator: the same keys and claims, role `ops`."""
    claims = jwt.decode(customer_token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(customer_token)["kid"]
    key = auth_service.signing_key_file.read_bytes()
    return jwt.encode({**claims, "role": OPS_ROLE}, key, "RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-content-{uuid4().hex[:8]}",
        content_hits_before_suspension=HITS_BEFORE_SUSPENSION,
    )
    app = create_app(settings)
    _, token = await auth_service.new_account("Platform operators")
    async with running_app(app) as client:
        yield Dispatch(app, client, operator_token(auth_service, token), broker)


def assert_blocked(response: httpx.Response, category: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "content_blocked"
    assert problem["category"] == category
    return problem


async def test_a_blocked_text_is_refused_with_its_category_and_nothing_is_stored(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    problem = assert_blocked(
        await dispatch.send(token, "Big wins at our Casino tonight"), "gambling"
    )
    # The category, never what matched it.
    assert "casino" not in json.dumps(problem).lower()
    assert await dispatch.stored(account_id) == 0
    assert await dispatch.events(account_id, MessageAccepted) == []
    # Clean texts go through as before, and a word inside another word is no hit.
    assert (await dispatch.send(token, "Your table at Casinova is ready")).status_code == 202
    assert await dispatch.stored(account_id) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Visit our ＣＡＳＩＮＯ now",  # full-width letters
        "Visit our cas\u200dino now",  # a zero-width joiner inside the word
        "Visit our CaSiNo now",
        "BET\n   NOW and win",  # line breaks and runs of spaces between the words
    ],
)
async def test_obfuscated_texts_are_caught(
    dispatch: Dispatch, auth_service: AuthClient, text: str
) -> None:
    account_id, token = await auth_service.new_account()
    assert_blocked(await dispatch.send(token, text), "gambling")
    assert await dispatch.stored(account_id) == 0


async def test_a_batch_with_one_blocked_text_is_refused_whole(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    problem = assert_blocked(
        await dispatch.batch(token, ["Hello", "See you at 5", "Cheap cigarettes here"]), "tobacco"
    )
    assert problem["index"] == 2
    assert await dispatch.stored(account_id) == 0
    assert await dispatch.events(account_id, BatchAccepted) == []


async def test_hits_are_recorded_for_operators_without_the_text(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    assert_blocked(await dispatch.send(token, "Online casino bonus"), "gambling")
    hits = await dispatch.ops("GET", "/v1/ops/content-hits", account_id=str(account_id))
    assert hits.status_code == 200, hits.text
    (hit,) = hits.json()["items"]
    assert hit["account_id"] == str(account_id)
    assert hit["category"] == "gambling"
    assert hit["rule_id"]
    assert "text" not in hit
    assert "bonus" not in hits.text.lower()


async def test_an_operator_edits_a_rule_and_the_next_send_sees_it(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    text = "Try our new zorblax flavour"
    assert (await dispatch.send(token, text)).status_code == 202

    created = await dispatch.ops(
        "POST",
        "/v1/ops/content-rules",
        {"category": "alcohol", "kind": "keyword", "pattern": "Zorblax", "action": "block"},
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert_blocked(await dispatch.send(token, text), "alcohol")

    disabled = await dispatch.ops(
        "PATCH", f"/v1/ops/content-rules/{rule['id']}", {"enabled": False}
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["enabled"] is False
    assert (await dispatch.send(token, text)).status_code == 202

    await dispatch.ops("PATCH", f"/v1/ops/content-rules/{rule['id']}", {"enabled": True})
    assert_blocked(await dispatch.send(token, text), "alcohol")
    deleted = await dispatch.ops("DELETE", f"/v1/ops/content-rules/{rule['id']}")
    assert deleted.status_code == 204, deleted.text
    assert (await dispatch.send(token, text)).status_code == 202
    assert await dispatch.stored(account_id) == 3

    listed = await dispatch.ops("GET", "/v1/ops/content-rules")
    assert listed.status_code == 200
    rules = listed.json()["items"]
    assert rule["id"] not in {r["id"] for r in rules}
    # The shipped defaults are there, shorteners among them.
    assert {"gambling", "phishing", "shortener"} <= {r["category"] for r in rules}


async def test_a_regex_rule_blocks_what_it_matches(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    created = await dispatch.ops(
        "POST",
        "/v1/ops/content-rules",
        {"category": "phishing", "kind": "regex", "pattern": r"verify your acc(ou)?nt"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["action"] == "block"
    try:
        assert_blocked(await dispatch.send(token, "Please VERIFY your accnt today"), "phishing")
    finally:
        await dispatch.ops("DELETE", f"/v1/ops/content-rules/{created.json()['id']}")


@pytest.mark.parametrize(
    "pattern",
    [
        "(unclosed",  # does not compile
        "(a+)+$",  # nested quantifiers: exponential backtracking
        r"(\w|\d)*x",  # a repeated alternation
        "a" * 301,  # too long
        r"(a)\1",  # a backreference
    ],
)
async def test_bad_patterns_are_refused(dispatch: Dispatch, pattern: str) -> None:
    before = (await dispatch.ops("GET", "/v1/ops/content-rules")).json()["items"]
    refused = await dispatch.ops(
        "POST",
        "/v1/ops/content-rules",
        {"category": "spam", "kind": "regex", "pattern": pattern},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_pattern"
    assert (await dispatch.ops("GET", "/v1/ops/content-rules")).json()["items"] == before


async def test_the_nth_hit_of_a_day_suspends_sending_once_until_cleared(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    for _ in range(HITS_BEFORE_SUSPENSION - 1):
        assert_blocked(await dispatch.send(token, "casino"), "gambling")
    assert (await dispatch.send(token, "Hello")).status_code == 202
    assert await dispatch.events(account_id, ContentPolicyTripped) == []

    assert_blocked(await dispatch.send(token, "casino"), "gambling")
    (tripped,) = await dispatch.events(account_id, ContentPolicyTripped)
    assert tripped["hits"] == HITS_BEFORE_SUSPENSION

    # Refused at once, clean texts and batches too, and nothing is stored.
    for refused in (await dispatch.send(token, "Hello"), await dispatch.batch(token, ["Hi"])):
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "account_suspended"
        assert "content policy review" in refused.json()["detail"]
    assert await dispatch.stored(account_id) == 1
    assert len(await dispatch.events(account_id, ContentPolicyTripped)) == 1

    cleared = await dispatch.ops("POST", f"/v1/ops/content-hits/{account_id}/clear")
    assert cleared.status_code == 204, cleared.text
    again = await dispatch.ops("POST", f"/v1/ops/content-hits/{account_id}/clear")
    assert again.status_code == 404, again.text
    # Auth suspended the account too when the policy tripped (test_audit_feed.py); the
    # operator lifts that there, once auth has heard of it, and then sending works again.
    async with httpx.AsyncClient(base_url=auth_service.base_url, timeout=10) as auth:
        async with asyncio.timeout(30):
            while True:
                reinstated = await auth.post(
                    f"/v1/ops/accounts/{account_id}/reinstate",
                    headers=bearer(dispatch.ops_token),
                )
                if reinstated.status_code == 200:
                    break
                assert reinstated.status_code == 409, reinstated.text  # not suspended yet
                await asyncio.sleep(0.1)
    async with asyncio.timeout(30):
        while (await dispatch.send(token, "Hello")).status_code != 202:
            await asyncio.sleep(0.1)
    # Further hits the same day do not publish a second event.
    assert_blocked(await dispatch.send(token, "casino"), "gambling")
    assert len(await dispatch.events(account_id, ContentPolicyTripped)) == 1


async def test_customers_may_not_use_the_operators_endpoints(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    for method, path in [
        ("GET", "/v1/ops/content-rules"),
        ("POST", "/v1/ops/content-rules"),
        ("PATCH", f"/v1/ops/content-rules/{uuid4()}"),
        ("DELETE", f"/v1/ops/content-rules/{uuid4()}"),
        ("GET", "/v1/ops/content-hits"),
        ("POST", f"/v1/ops/content-hits/{account_id}/clear"),
        ("GET", "/v1/ops/content-reviews"),
        ("POST", f"/v1/ops/content-reviews/{uuid4()}/approve"),
        ("POST", f"/v1/ops/content-reviews/{uuid4()}/reject"),
    ]:
        body = {"category": "spam", "kind": "keyword", "pattern": "x"}
        answer = await dispatch.client.request(
            method, path, json=body if method != "GET" else None, headers=bearer(token)
        )
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["code"] == "forbidden"


async def test_unknown_rules_are_404(dispatch: Dispatch) -> None:
    answer = await dispatch.ops("PATCH", f"/v1/ops/content-rules/{uuid4()}", {"enabled": False})
    assert answer.status_code == 404
    assert (await dispatch.ops("DELETE", f"/v1/ops/content-rules/{uuid4()}")).status_code == 404


async def test_the_gateway_sends_the_content_endpoints_to_dispatch() -> None:
    assert resolve("/v1/ops/content-rules") == "dispatch"
    assert resolve(f"/v1/ops/content-rules/{uuid4()}") == "dispatch"
    assert resolve("/v1/ops/content-hits") == "dispatch"
    assert resolve(f"/v1/ops/content-hits/{uuid4()}/clear") == "dispatch"
    assert resolve(f"/v1/ops/content-reviews/{uuid4()}/approve") == "dispatch"
    assert resolve("/v1/ops/accounts") == "auth"


async def reviews(dispatch: Dispatch, account_id: UUID) -> list[dict[str, Any]]:
    answer = await dispatch.ops("GET", "/v1/ops/content-reviews", account_id=str(account_id))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_shortened_link_is_held_for_review_until_an_operator_approves(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    sent = await dispatch.send(token, "Your offer: https://BIT.LY/3xYz and t.co/abc")
    assert sent.status_code == 202, sent.text
    message = sent.json()
    assert message["status"] == "held"
    assert await dispatch.events(account_id, MessageAccepted) == []

    (review,) = await reviews(dispatch, account_id)
    assert review["message_id"] == message["id"]
    assert review["domains"] == ["bit.ly", "t.co"]
    # Operators never see the message's text.
    assert "offer" not in json.dumps(review).lower()
    hits = (await dispatch.ops("GET", "/v1/ops/content-hits", account_id=str(account_id))).json()
    assert {(h["category"], h["action"]) for h in hits["items"]} == {("shortener", "review")}

    approved = await dispatch.ops("POST", f"/v1/ops/content-reviews/{message['id']}/approve")
    assert approved.status_code == 204, approved.text
    (accepted,) = await dispatch.events(account_id, MessageAccepted)
    assert accepted["message_id"] == message["id"]
    answer = await dispatch.client.get(f"/v1/messages/{message['id']}", headers=bearer(token))
    assert answer.json()["status"] == "accepted"
    assert await reviews(dispatch, account_id) == []

    again = await dispatch.ops("POST", f"/v1/ops/content-reviews/{message['id']}/reject")
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "review_decided"


async def test_a_rejected_review_ends_the_message_unsent(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    message = (await dispatch.send(token, "see tinyurl.com/abc")).json()
    rejected = await dispatch.ops("POST", f"/v1/ops/content-reviews/{message['id']}/reject")
    assert rejected.status_code == 204, rejected.text
    answer = await dispatch.client.get(f"/v1/messages/{message['id']}", headers=bearer(token))
    assert answer.json()["status"] == "rejected"
    assert answer.json()["error_code"] == "content_rejected"
    assert await dispatch.events(account_id, MessageAccepted) == []
    unknown = await dispatch.ops("POST", f"/v1/ops/content-reviews/{uuid4()}/approve")
    assert unknown.status_code == 404


async def test_a_batch_holds_only_its_entries_with_shortened_links(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    answer = await dispatch.batch(token, ["Hello", "Go to is.gd/x", "Bye"])
    assert answer.status_code == 202, answer.text
    statuses = [m["status"] for m in answer.json()["messages"]]
    assert statuses == ["accepted", "held", "accepted"]
    held_id = answer.json()["messages"][1]["id"]
    (batch,) = await dispatch.events(account_id, BatchAccepted)
    assert held_id not in {m["message_id"] for m in batch["messages"]}
    assert len(batch["messages"]) == 2
    # Whom each went to and from which sender, for dlr to tell replies' accounts.
    sent = answer.json()["messages"]
    assert [m["to"] for m in batch["messages"]] == [sent[0]["to"], sent[2]["to"]]
    assert all(m["sender"] for m in batch["messages"])
    (review,) = await reviews(dispatch, account_id)
    assert (review["message_id"], review["domains"]) == (held_id, ["is.gd"])

    approved = await dispatch.ops("POST", f"/v1/ops/content-reviews/{held_id}/approve")
    assert approved.status_code == 204, approved.text
    (accepted,) = await dispatch.events(account_id, MessageAccepted)
    assert accepted["message_id"] == held_id

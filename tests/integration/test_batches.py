"""Bulk sending: `POST /v1/messages/batch` against the real dispatch and billing apps, their
own PostgreSQL databases and the broker, as in production: the batch → batch.accepted →
billing's one debit → batch.charge_authorized/declined → every message of the batch.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app as create_dispatch_app
from dispatch_service.messages.models import Message
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 60
# Starter credit covers exactly ten parts.
STARTER_CREDIT, PRICE_PER_PART = Decimal("0.50"), Decimal("0.05")
LONG_TEXT = "x" * 200  # two parts
TOO_LONG_TEXT = "x" * 1600  # eleven parts: above the ten allowed
WAITING = {"accepted"}


@dataclass
class Platform:
    dispatch_app: FastAPI
    dispatch: httpx.AsyncClient
    billing: httpx.AsyncClient

    async def batch(self, token: str, body: Any, idempotency_key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return await self.dispatch.post("/v1/messages/batch", json=body, headers=headers)

    async def listed(self, token: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.dispatch.get(
            "/v1/messages", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def walked(self, token: str, **params: Any) -> list[list[dict[str, Any]]]:
        """Every page, following `next_cursor` to the end."""
        pages, cursor = [], None
        while True:
            response = await self.dispatch.get(
                "/v1/messages",
                params=params | ({"cursor": cursor} if cursor else {}),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.text
            pages.append(response.json()["items"])
            if (cursor := response.json()["next_cursor"]) is None:
                return pages

    async def settled(self, token: str, batch_id: str, count: int) -> list[dict[str, Any]]:
        """The batch's messages once billing has answered for all of them."""
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                messages = await self.listed(token, batch_id=batch_id, limit=200)
                assert len(messages) == count
                if all(m["status"] not in WAITING for m in messages):
                    return messages
                await asyncio.sleep(0.1)

    async def customer(self, auth: AuthClient, company: str = "Acme") -> tuple[UUID, str]:
        """A new account once billing has granted its starter credit: a message charged
        before that would be declined (credit waits for the e-mail's verification, which
        the test platform's `open` sign-up publishes with the registration)."""
        account_id, token = await auth.new_account(company)
        async with asyncio.timeout(WAIT_SECONDS):
            while Decimal(await self.balance(token)) != STARTER_CREDIT:
                await asyncio.sleep(0.05)
        return account_id, token

    async def balance(self, token: str) -> str:
        response = await self.billing.get(
            "/v1/billing/balance", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        balance: str = response.json()["balance"]
        return balance

    async def charges(self, token: str) -> list[str]:
        response = await self.billing.get(
            "/v1/billing/transactions",
            params={"limit": 500},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return [e["message_id"] for e in response.json()["items"] if e["kind"] == "charge"]

    async def statuses(self, batch_id: str) -> dict[str, int]:
        async with self.dispatch_app.state.runtime.sessionmaker() as session:
            rows = await session.execute(
                select(Message.status, func.count())
                .where(Message.batch_id == UUID(batch_id))
                .group_by(Message.status)
            )
            return {status: int(count) for status, count in rows.all()}

    async def references(self, message_ids: list[str]) -> list[int]:
        async with self.dispatch_app.state.runtime.sessionmaker() as session:
            rows = dict(
                (
                    await session.execute(
                        select(Message.id, Message.concat_reference).where(
                            Message.id.in_([UUID(i) for i in message_ids])
                        )
                    )
                ).all()
            )
        return [rows[UUID(i)] for i in message_ids]


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as create_billing_app

    if databases.backend != "postgresql":
        pytest.skip("batch billing races need PostgreSQL's row locks")
    dispatch_settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-batches-{uuid4().hex[:8]}",
        # Any well-formed sender: approval has its own tests (test_senders.py).
        sender_approval_required=False,
        # Any size: mass-mailing permission has its own tests (test_bulk_permission.py).
        bulk_recipients_threshold=0,
    )
    billing_settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=STARTER_CREDIT,
        price_per_part=PRICE_PER_PART,
        environment="test",
        consumer_group=f"billing-batches-{uuid4().hex[:8]}",
    )
    dispatch_app = create_dispatch_app(dispatch_settings)
    # Two billing replicas on one database sharing dispatch.messages' partitions: two
    # batches of one account can be charged by both at once.
    async with (
        running_app(dispatch_app) as dispatch,
        running_app(create_billing_app(billing_settings)) as billing,
        running_app(create_billing_app(billing_settings)),
    ):
        yield Platform(dispatch_app, dispatch, billing)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def test_valid_entries_are_accepted_and_each_invalid_one_is_named(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    body = {
        "sender": "Acme",
        "messages": [
            {"to": "+44 7700 900301", "text": "Hello"},
            {"to": "not a number", "text": "Hello"},
            {"to": "+447700900302", "text": "Hi\u200bthere"},  # a zero-width space
            {"to": "+447700900303", "text": TOO_LONG_TEXT},
            {"to": "+447700900304", "text": "   "},
            {"to": "+447700900305", "text": "Привет", "sender": "Shop"},
            {"to": "+447700900301", "text": LONG_TEXT},  # the same recipient again
            {"to": "+447700900306", "text": "Hello", "sender": "bad\u202esender"},
        ],
    }

    response = await platform.batch(token, body)

    assert response.status_code == 202, response.text
    batch = response.json()
    assert batch["accepted"] == 3
    assert [(r["index"], r["code"]) for r in batch["rejected"]] == [
        (1, "invalid_phone_number"),
        (2, "invalid_text"),
        (3, "message_too_long"),
        (4, "validation_error"),
        (7, "invalid_text"),
    ]
    assert all(r["detail"] for r in batch["rejected"])
    assert [(m["to"], m["encoding"], m["segments"], m["status"]) for m in batch["messages"]] == [
        ("+447700900301", "gsm7", 1, "accepted"),
        ("+447700900305", "ucs2", 1, "accepted"),
        ("+447700900301", "gsm7", 2, "accepted"),
    ]
    ids = [m["id"] for m in batch["messages"]]
    settled = await platform.settled(token, batch["batch_id"], 3)
    assert [m["id"] for m in settled] == ids, "listed in the batch's order"
    assert [(m["status"], m["price"], m["sender"]) for m in settled] == [
        ("queued", "0.05", "Acme"),
        ("queued", "0.05", "Shop"),
        ("queued", "0.10", "Acme"),
    ]
    assert await platform.balance(token) == "0.30"
    assert sorted(await platform.charges(token)) == sorted(ids)


async def test_one_text_to_many_recipients_gets_concat_references_per_number(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    before = await platform.dispatch.post(
        "/v1/messages",
        json={"to": "+447700900311", "text": LONG_TEXT},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert before.status_code == 202, before.text

    response = await platform.batch(
        token, {"text": LONG_TEXT, "to": ["+447700900311", "+447700900312", "+447700900311"]}
    )

    assert response.status_code == 202, response.text
    batch = response.json()
    assert (batch["accepted"], batch["rejected"]) == (3, [])
    first, second, other, third = await platform.references(
        [before.json()["id"]] + [m["id"] for m in batch["messages"]]
    )
    # Two long messages in flight to one handset never share a reference.
    assert (second, third) == ((first + 1) % 256, (first + 2) % 256)
    assert 0 <= other < 256


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "Hi", "to": ["+447700900321"] * 1001}, "validation_error"),
        ({"messages": [{"to": "+447700900321", "text": "Hi"}] * 1001}, "validation_error"),
        ({"text": "Hi", "to": "+447700900321"}, "validation_error"),
        ({"text": "", "to": ["+447700900321"]}, "validation_error"),
        ({"text": "Hi", "to": []}, "validation_error"),
        ({"text": "Hi"}, "validation_error"),
        ({"text": "Hi", "to": ["+447700900321"], "messages": []}, "validation_error"),
        ({"text": "Hi\u202e", "to": ["+447700900321"]}, "invalid_text"),
        ({"text": "Hi", "to": ["nope", "+1"]}, "batch_rejected"),
        ({"messages": [{"to": "+447700900321", "text": ""}]}, "batch_rejected"),
        (
            {"text": "Hi", "to": ["+447700900321"], "callback_url": "https://10.0.0.1/cb"},
            "webhook_url_forbidden",
        ),
    ],
)
async def test_bad_batches_are_refused_and_change_nothing(
    platform: Platform, auth_service: AuthClient, body: Any, code: str
) -> None:
    _, token = await platform.customer(auth_service)

    problem = assert_problem(await platform.batch(token, body), 422, code)

    if code == "batch_rejected":
        assert [r["index"] for r in problem["rejected"]] == list(range(len(problem["rejected"])))
        assert all(r["code"] and r["detail"] for r in problem["rejected"])
    assert await platform.listed(token) == []
    assert await platform.balance(token) == "0.50"


async def test_a_batchs_callback_url_is_kept_on_each_message(
    platform: Platform, auth_service: AuthClient
) -> None:
    """Kept on the message, it goes out on batch.accepted, and on message.accepted for a
    scheduled or held one when it is released."""
    _, token = await platform.customer(auth_service)
    url = "https://hooks.example.com/batch"
    body = {"text": "Hi", "to": ["+447700900321", "+447700900322"], "callback_url": url}

    response = await platform.batch(token, body)

    assert response.status_code == 202, response.text
    ids = [UUID(m["id"]) for m in response.json()["messages"]]
    async with platform.dispatch_app.state.runtime.sessionmaker() as session:
        urls = await session.scalars(select(Message.callback_url).where(Message.id.in_(ids)))
        assert list(urls.all()) == [url, url]


async def test_a_retry_with_the_same_key_gets_the_original_batch(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    body = {"text": "Hi", "to": ["+447700900331", "bad", "+447700900332"]}

    # All at once: one of them creates the batch, the others wait for it and replay it.
    responses = await asyncio.gather(
        *(platform.batch(token, body, idempotency_key="campaign-1") for _ in range(6))
    )
    different = await platform.batch(token, {**body, "text": "Hello"}, idempotency_key="campaign-1")

    assert sorted(r.status_code for r in responses) == [200] * 5 + [202], [
        r.text for r in responses
    ]
    original = next(r for r in responses if r.status_code == 202).json()
    for replay in (r for r in responses if r.status_code == 200):
        assert replay.headers["idempotent-replayed"] == "true"
        again = replay.json()
        assert (again["batch_id"], again["accepted"], again["rejected"]) == (
            original["batch_id"],
            original["accepted"],
            original["rejected"],
        )
        assert [m["id"] for m in again["messages"]] == [m["id"] for m in original["messages"]]
    assert_problem(different, 409, "idempotency_key_reused")
    await platform.settled(token, original["batch_id"], 2)
    assert len(await platform.listed(token)) == 2
    assert await platform.balance(token) == "0.40"


async def test_concurrent_batches_beyond_the_balance_charge_one_whole_and_reject_the_other(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    # 7 parts each: the balance covers 10, so either batch alone, never both.
    singles = {"text": "Hi", "to": [f"+4477009003{i}" for i in range(40, 47)]}
    mixed = {
        "messages": [
            {"to": "+447700900350", "text": LONG_TEXT},
            {"to": "+447700900351", "text": LONG_TEXT},
            {"to": "+447700900352", "text": LONG_TEXT},
            {"to": "+447700900353", "text": "Hi"},
        ]
    }

    responses = await asyncio.gather(platform.batch(token, singles), platform.batch(token, mixed))

    assert [r.status_code for r in responses] == [202, 202], [r.text for r in responses]
    batches = [r.json() for r in responses]
    outcomes = [await platform.settled(token, b["batch_id"], b["accepted"]) for b in batches]
    statuses = [{m["status"] for m in messages} for messages in outcomes]
    assert sorted(statuses, key=sorted) == [{"queued"}, {"rejected"}], statuses
    charged, declined = outcomes if statuses[0] == {"queued"} else outcomes[::-1]
    assert {m["error_code"] for m in declined} == {"insufficient_funds"}
    assert all(m["price"] is None for m in declined)
    assert sorted(await platform.charges(token)) == sorted(m["id"] for m in charged)
    spent = sum(Decimal(m["price"]) for m in charged)
    assert Decimal(await platform.balance(token)) == STARTER_CREDIT - spent


async def test_a_batch_the_balance_cannot_cover_is_rejected_whole(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    # Eleven parts: one more than the balance covers.
    body = {"messages": [{"to": f"+4477009003{60 + i}", "text": "Hi"} for i in range(9)]}
    body["messages"].append({"to": "+447700900370", "text": LONG_TEXT})

    response = await platform.batch(token, body)

    assert response.status_code == 202, response.text
    batch = response.json()
    messages = await platform.settled(token, batch["batch_id"], 10)
    assert {(m["status"], m["error_code"]) for m in messages} == {
        ("rejected", "insufficient_funds")
    }
    assert {p["status"] for m in messages for p in m["parts"]} == {"rejected"}
    detail = await platform.dispatch.get(
        f"/v1/messages/{messages[-1]['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert [
        [(change["status"], change["error_code"]) for change in part["history"]]
        for part in detail.json()["parts"]
    ] == [[("pending", None), ("rejected", "insufficient_funds")]] * messages[-1]["segments"]
    assert await platform.balance(token) == "0.50"
    assert await platform.charges(token) == []


async def test_a_full_batch_of_a_thousand_goes_through_intake_and_billing(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    # 1,000 parts cost 50.00, far above the balance: every message must come back rejected,
    # so the verdict naming all 1,000 made it through the broker and was applied to each.
    to = [f"+4477009{i:05d}" for i in range(1000)]

    response = await platform.batch(token, {"text": "Hi", "to": to})

    assert response.status_code == 202, response.text
    batch = response.json()
    assert (batch["accepted"], len(batch["messages"])) == (1000, 1000)
    assert [m["to"] for m in batch["messages"]] == to
    first_page = await platform.settled(token, batch["batch_id"], 200)
    assert [m["to"] for m in first_page] == to[:200]
    walked = await platform.walked(token, batch_id=batch["batch_id"], limit=200)
    assert [[m["to"] for m in page] for page in walked] == [
        to[start : start + 200] for start in range(0, 1000, 200)
    ]
    async with asyncio.timeout(WAIT_SECONDS):
        while await platform.statuses(batch["batch_id"]) != {"rejected": 1000}:
            await asyncio.sleep(0.2)
    assert await platform.balance(token) == "0.50"


async def test_a_batch_is_visible_only_to_its_account(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, owner = await platform.customer(auth_service, "Owner")
    _, stranger = await platform.customer(auth_service, "Stranger")
    response = await platform.batch(owner, {"text": "Hi", "to": ["+447700900381"]})
    assert response.status_code == 202, response.text
    batch = response.json()
    own = await platform.batch(stranger, {"text": "Yo", "to": ["+447700900382"]})

    assert await platform.listed(stranger, batch_id=batch["batch_id"]) == []
    assert [m["id"] for m in await platform.listed(owner, batch_id=batch["batch_id"])] == [
        batch["messages"][0]["id"]
    ]
    assert [m["id"] for m in await platform.listed(stranger)] == [own.json()["messages"][0]["id"]]
    message_id = batch["messages"][0]["id"]
    other = await platform.dispatch.get(
        f"/v1/messages/{message_id}", headers={"Authorization": f"Bearer {stranger}"}
    )
    assert_problem(other, 404, "not_found")


async def test_the_same_key_in_two_accounts_makes_two_batches(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, first = await platform.customer(auth_service)
    _, second = await platform.customer(auth_service)
    body = {"text": "Hi", "to": ["+447700900391"]}

    one = await platform.batch(first, body, idempotency_key="shared-key")
    two = await platform.batch(second, body, idempotency_key="shared-key")

    assert (one.status_code, two.status_code) == (202, 202)
    assert one.json()["batch_id"] != two.json()["batch_id"]


async def test_the_batch_endpoint_needs_a_token(platform: Platform) -> None:
    response = await platform.dispatch.post(
        "/v1/messages/batch", json={"text": "Hi", "to": ["+447700900399"]}
    )

    assert_problem(response, 401, "unauthorized")

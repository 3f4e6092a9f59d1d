"""dispatch against PostgreSQL, the broker and the real auth: intake, billing's verdict,
receipts, and the repository functions the SMPP worker calls."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.engine import Connection

from dispatch_service.config import DispatchSettings
from dispatch_service.expiry import service as expiry
from dispatch_service.expiry.service import ReceiptDeadline
from dispatch_service.main import create_app
from dispatch_service.messages import repository
from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.models import Base, Inbox
from shared.db import session_scope
from shared.events import (
    ChargeAuthorized,
    ChargeDeclined,
    CompanyAssigned,
    Event,
    MessageAccepted,
    MessagePartStatusReported,
    TariffPublished,
    parse_event,
    serialise_event,
    utcnow,
)
from shared.kafka import new_consumer, new_producer
from shared.runtime import ServiceRuntime
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.inbox import fetched

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30
CYRILLIC_71 = "Привет" * 11 + "Приве"  # 71 UCS-2 characters: one more than a single part


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient
    producer: AIOKafkaProducer

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def send(
        self, token: str, idempotency_key: str | None = None, **body: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return await self.client.post("/v1/messages", json=body, headers=headers)

    async def accepted(self, token: str, **body: Any) -> dict[str, Any]:
        response = await self.send(token, **{"to": "+447700900123", "text": "Hi", **body})
        assert response.status_code == 202, response.text
        message: dict[str, Any] = response.json()
        return message

    async def get(self, token: str, message_id: str) -> httpx.Response:
        return await self.client.get(
            f"/v1/messages/{message_id}", headers={"Authorization": f"Bearer {token}"}
        )

    async def listed(self, token: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/v1/messages", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def wait_for(
        self, token: str, message_id: str, done: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                message: dict[str, Any] = (await self.get(token, message_id)).json()
                if done(message):
                    return message
                await asyncio.sleep(0.1)

    async def publish(self, event: Event) -> None:
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],  # type: ignore[attr-defined]
        )

    async def wait_handled(self, event: Event) -> None:
        """Until dispatch's inbox holds the event: its effect is committed with it."""
        consumer = self.app.state.runtime.settings.consumer_group
        statement = select(Inbox.event_id).where(
            Inbox.consumer == consumer, Inbox.event_id == event.event_id
        )
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                async with self.runtime.sessionmaker() as session:
                    if await session.scalar(statement) is not None:
                        return
                await asyncio.sleep(0.1)

    async def publish_and_wait(self, event: Event) -> None:
        await self.publish(event)
        await self.wait_handled(event)


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        # Its own group: other modules' dispatch apps on this broker use other databases.
        consumer_group=f"dispatch-it-{uuid4().hex[:8]}",
        # The default deadline (72 h), swept often enough for a test to see it happen.
        receipt_sweep_interval_seconds=0.2,
        # Senders' form is tested here; approval has its own tests (test_senders.py).
        sender_approval_required=False,
        # A tariff published by a test applies to the next send, not 5 s later.
        tariffs_refresh_seconds=0,
    )
    app = create_app(settings)
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(app) as client:
            yield Dispatch(app, client, producer)
    finally:
        await producer.stop()


def authorized(message: dict[str, Any], account_id: UUID) -> ChargeAuthorized:
    return ChargeAuthorized(
        account_id=account_id, message_id=UUID(message["id"]), amount="0.0800", currency="EUR"
    )


def receipt(
    message: dict[str, Any], account_id: UUID, part_index: int, status: Any
) -> MessagePartStatusReported:
    return MessagePartStatusReported(
        account_id=account_id,
        message_id=UUID(message["id"]),
        part_index=part_index,
        smsc_message_id=f"smsc-{message['id'][:8]}-{part_index}",
        status=status,
        error_code=None if status == "delivered" else "0x0000000B",
        reported_at=utcnow(),
    )


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


# --- intake --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "text", "encoding", "segments"),
    [
        ("+447700900123", "Hello", "gsm7", 1),
        ("+44 7700 900123", "x" * 160, "gsm7", 1),
        ("+44 (0) 7700-900123", "x" * 161, "gsm7", 2),
        ("+447700900123", CYRILLIC_71, "ucs2", 2),
    ],
)
async def test_send_accepts_with_e164_encoding_and_parts(
    dispatch: Dispatch,
    auth_service: AuthClient,
    to: str,
    text: str,
    encoding: str,
    segments: int,
) -> None:
    _, token = await auth_service.new_account()

    response = await dispatch.send(token, to=to, text=text)

    assert response.status_code == 202, response.text
    message = response.json()
    assert response.headers["location"] == f"/v1/messages/{message['id']}"
    assert message["to"] == "+447700900123"
    assert (message["encoding"], message["segments"]) == (encoding, segments)
    assert (message["status"], message["sender"], message["text"]) == ("accepted", "SMSGW", text)
    assert [p["index"] for p in message["parts"]] == list(range(1, segments + 1))
    assert {p["status"] for p in message["parts"]} == {"pending"}
    detail = (await dispatch.get(token, message["id"])).json()
    # The detail is the intake's answer plus each part's history, begun at intake.
    histories = [part.pop("history") for part in detail["parts"]]
    assert detail == message
    assert (
        histories
        == [[{"status": "pending", "at": message["created_at"], "error_code": None}]] * segments
    )


async def test_accepted_message_is_published(
    dispatch: Dispatch, auth_service: AuthClient, broker: str
) -> None:
    account_id, token = await auth_service.new_account()
    message = await dispatch.accepted(
        token, text=CYRILLIC_71, sender="ACME", callback_url="https://hooks.example.com/sms?a=1"
    )

    group = f"test-dispatch-accepted-{uuid4().hex[:8]}"
    consumer = new_consumer(broker, group, MessageAccepted.topic)
    await consumer.start()
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            event = None
            while event is None:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        candidate = parse_event(record.value)
                        if str(getattr(candidate, "message_id", "")) == message["id"]:
                            assert record.key == message["id"].encode()
                            event = candidate
    finally:
        await consumer.stop()
    assert isinstance(event, MessageAccepted)
    assert event.account_id == account_id
    assert (event.to, event.sender, event.encoding) == ("+447700900123", "ACME", "ucs2")
    assert (event.segments, event.country_code) == (2, "GB")
    # dlr posts this message's statuses there too.
    assert event.callback_url == "https://hooks.example.com/sms?a=1"


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/sms",  # plain http: only with WEBHOOKS_ALLOW_LOOPBACK
        "https://127.0.0.1/sms",
        "https://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/sms",
        "https://0x7f000001/sms",
        "https://user:secret@hooks.example.com/sms",
    ],
)
async def test_a_forbidden_callback_url_is_refused_and_nothing_stored(
    dispatch: Dispatch, auth_service: AuthClient, url: str
) -> None:
    _, token = await auth_service.new_account()

    response = await dispatch.send(token, to="+447700900123", text="Hi", callback_url=url)

    assert_problem(response, 422, "webhook_url_forbidden")
    assert await dispatch.listed(token) == []


@pytest.mark.parametrize(
    "to",
    ["07700900123", "447700900123", "+1 555 0100", "+44 7700 900123 ext. 5", "+1 800 FLOWERS", ""],
)
async def test_invalid_phone_number_is_refused_and_nothing_stored(
    dispatch: Dispatch, auth_service: AuthClient, to: str
) -> None:
    _, token = await auth_service.new_account()

    assert_problem(await dispatch.send(token, to=to, text="Hi"), 422, "invalid_phone_number")
    assert await dispatch.listed(token) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a" * 1530, None),  # 10 parts of 153: the limit
        ("Ж" * 670, None),  # 10 parts of 67
        ("a" * 1531, "message_too_long"),
        ("Ж" * 671, "message_too_long"),
        ("a" * 1601, "validation_error"),
        ("", "validation_error"),
        ("  \n ", "validation_error"),
    ],
)
async def test_text_length(
    dispatch: Dispatch, auth_service: AuthClient, text: str, code: str | None
) -> None:
    _, token = await auth_service.new_account()

    response = await dispatch.send(token, to="+447700900123", text=text)

    if code is None:
        assert response.status_code == 202, response.text
        assert response.json()["segments"] == 10
    else:
        assert_problem(response, 422, code)
        assert await dispatch.listed(token) == []


@pytest.mark.parametrize(
    ("sender", "accepted"),
    [
        ("ACME Ltd", True),
        ("Shop24", True),
        ("Acme & Co.", True),
        ("A.B-C_D", True),
        ("+447700900123", True),
        ("123456789012345", True),
        ("TooLongSender", False),
        ("Bad!", False),
        ("Ünïcode", False),
        ("1234567890123456", False),
        ("   ", False),
    ],
)
async def test_sender(
    dispatch: Dispatch, auth_service: AuthClient, sender: str, accepted: bool
) -> None:
    _, token = await auth_service.new_account()

    response = await dispatch.send(token, to="+447700900123", text="Hi", sender=sender)

    if accepted:
        assert response.status_code == 202, response.text
        assert response.json()["sender"] == sender
    else:
        assert_problem(response, 422, "invalid_sender")


async def test_tokens_are_required(dispatch: Dispatch) -> None:
    responses = [
        await dispatch.client.post("/v1/messages", json={"to": "+447700900123", "text": "Hi"}),
        await dispatch.client.get("/v1/messages"),
        await dispatch.client.get(f"/v1/messages/{uuid4()}"),
        await dispatch.client.get("/v1/messages", headers={"Authorization": "Bearer nonsense"}),
    ]

    for response in responses:
        assert_problem(response, 401, "unauthorized")


async def test_other_accounts_messages_are_invisible(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, owner = await auth_service.new_account()
    _, stranger = await auth_service.new_account()
    message = await dispatch.accepted(owner)

    assert_problem(await dispatch.get(stranger, message["id"]), 404, "not_found")
    assert_problem(await dispatch.get(owner, str(uuid4())), 404, "not_found")
    assert await dispatch.listed(stranger) == []
    assert [m["id"] for m in await dispatch.listed(owner)] == [message["id"]]


async def test_list_is_newest_first_limited_and_filtered(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    ids = [(await dispatch.accepted(token, text=f"n{i}"))["id"] for i in range(3)]
    declined = ChargeDeclined(account_id=account_id, message_id=UUID(ids[0]), code="x", reason="y")
    await dispatch.publish_and_wait(declined)

    assert [m["id"] for m in await dispatch.listed(token)] == ids[::-1]
    assert [m["id"] for m in await dispatch.listed(token, limit=2)] == ids[:0:-1]
    assert [m["id"] for m in await dispatch.listed(token, status="rejected")] == ids[:1]
    bad = await dispatch.client.get(
        "/v1/messages", params={"status": "lost"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_problem(bad, 422, "validation_error")


async def _page(dispatch: Dispatch, token: str, **params: Any) -> httpx.Response:
    return await dispatch.client.get(
        "/v1/messages", params=params, headers={"Authorization": f"Bearer {token}"}
    )


async def _walk(dispatch: Dispatch, token: str, **params: Any) -> list[list[str]]:
    """The ids on every page, following `next_cursor` to the end."""
    pages: list[list[str]] = []
    while True:
        response = await _page(dispatch, token, **params)
        assert response.status_code == 200, response.text
        pages.append([m["id"] for m in response.json()["items"]])
        params["cursor"] = response.json()["next_cursor"]
        if params["cursor"] is None:
            return pages


async def test_pages_walk_every_message_once_while_new_ones_arrive(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    _, stranger = await auth_service.new_account()
    ids = [(await dispatch.accepted(token, text=f"n{i}"))["id"] for i in range(5)]

    first = (await _page(dispatch, token, limit=2)).json()
    # Sent between two pages: newer than the cursor, so neither repeated nor shifting.
    later = (await dispatch.accepted(token, text="later"))["id"]
    rest = await _walk(dispatch, token, limit=2, cursor=first["next_cursor"])

    assert [m["id"] for m in first["items"]] == ids[:2:-1]
    assert rest == [ids[2::-1][:2], ids[:1]]
    assert await _walk(dispatch, token, limit=3) == [[later, *ids[:2:-1]], ids[2::-1]]
    assert await _walk(dispatch, token, limit=6) == [[later, *ids[::-1]]]
    # Another account's cursor shows it nothing of this account.
    assert await _walk(dispatch, stranger, cursor=first["next_cursor"]) == [[]]


async def test_filters_combine_and_bad_ones_are_refused(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    to_a = await dispatch.accepted(token, to="+447700900301", sender="Acme")
    to_b = await dispatch.accepted(token, to="+447700900302", sender="Acme")
    from_other = await dispatch.accepted(token, to="+447700900301", sender="Other")
    declined = ChargeDeclined(
        account_id=account_id, message_id=UUID(to_b["id"]), code="x", reason="y"
    )
    await dispatch.publish_and_wait(declined)

    assert await _walk(dispatch, token, to="+44 7700 900301") == [[from_other["id"], to_a["id"]]]
    assert await _walk(dispatch, token, sender="Acme", limit=1) == [[to_b["id"]], [to_a["id"]]]
    assert await _walk(dispatch, token, sender="Acme", status="accepted") == [[to_a["id"]]]
    assert await _walk(dispatch, token, to="+447700900302", status="accepted") == [[]]
    # created_from is inclusive, created_to exclusive: adjacent windows never overlap.
    assert await _walk(
        dispatch, token, created_from=to_b["created_at"], created_to=from_other["created_at"]
    ) == [[to_b["id"]]]
    assert await _walk(dispatch, token, created_to=to_a["created_at"]) == [[]]
    assert await _walk(
        dispatch, token, created_from=to_a["created_at"], created_to=to_a["created_at"]
    ) == [[]]

    for params, code in [
        (
            {"created_from": from_other["created_at"], "created_to": to_a["created_at"]},
            "invalid_filter",
        ),
        ({"to": "not a number"}, "invalid_filter"),
        ({"created_from": "2026-12-01T10:00:00"}, "validation_error"),  # no offset
        ({"cursor": "bm90IGEgY3Vyc29y"}, "invalid_cursor"),
        ({"limit": 201}, "validation_error"),
        ({"offset": 50}, "invalid_filter"),  # pages follow cursors now
    ]:
        assert_problem(await _page(dispatch, token, **params), 422, code)


# --- idempotency ---------------------------------------------------------------------------


async def test_idempotency_key_replay_returns_the_original(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    _, other_token = await auth_service.new_account()
    body = {"to": "+447700900123", "text": "Only once"}

    first = await dispatch.send(token, idempotency_key="order-42", **body)
    retry = await dispatch.send(token, idempotency_key="order-42", **body)
    reused = await dispatch.send(token, idempotency_key="order-42", **{**body, "text": "Other"})
    elsewhere = await dispatch.send(other_token, idempotency_key="order-42", **body)

    assert (first.status_code, retry.status_code) == (202, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert_problem(reused, 409, "idempotency_key_reused")
    assert elsewhere.status_code == 202
    assert elsewhere.json()["id"] != first.json()["id"]
    assert [m["id"] for m in await dispatch.listed(token)] == [first.json()["id"]]


async def test_concurrent_retries_create_one_message(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    body = {"to": "+447700900123", "text": "Raced"}

    responses = await asyncio.gather(
        *(dispatch.send(token, idempotency_key="race", **body) for _ in range(5))
    )

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await dispatch.listed(token)) == 1


# --- concatenation references ---------------------------------------------------------------


async def _references(dispatch: Dispatch, responses: list[httpx.Response]) -> list[int]:
    ids = [UUID(response.json()["id"]) for response in responses]
    statement = select(Message.id, Message.concat_reference).where(Message.id.in_(ids))
    async with dispatch.runtime.sessionmaker() as session:
        by_id = {row.id: row.concat_reference for row in await session.execute(statement)}
    return [by_id[message_id] for message_id in ids]


async def test_long_messages_to_one_number_get_consecutive_references(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    _, other_token = await auth_service.new_account()
    to = "+447700900201"

    responses = [await dispatch.send(token, to=to, text="x" * 200) for _ in range(3)]
    # Another account's message to the same handset counts too: the handset can't tell.
    responses.append(await dispatch.send(other_token, to=to, text=CYRILLIC_71))
    responses.append(await dispatch.send(token, to=to, text="x" * 200))

    assert [r.status_code for r in responses] == [202] * 5
    first, *rest = await _references(dispatch, responses)
    assert rest == [(first + step) % 256 for step in range(1, 5)]


async def test_concurrent_long_messages_to_one_number_never_share_a_reference(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    to = "+447700900202"
    # Random 8-bit references: 60 messages share one with a probability above 99.9%.
    count = 60

    responses = await asyncio.gather(
        *(dispatch.send(token, to=to, text=f"{i} " + "x" * 200) for i in range(count))
    )

    assert [r.status_code for r in responses] == [202] * count
    references = await _references(dispatch, list(responses))
    assert len(set(references)) == count
    assert max(references) < 256


async def test_a_replay_does_not_use_up_a_reference(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    body = {"to": "+447700900203", "text": "x" * 200}

    first = await dispatch.send(token, idempotency_key="ref-1", **body)
    await dispatch.send(token, idempotency_key="ref-1", **body)
    second = await dispatch.send(token, **body)

    before, after = await _references(dispatch, [first, second])
    assert after == (before + 1) % 256


# --- billing's verdict -----------------------------------------------------------------------


async def test_charge_authorized_queues_the_message(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    message = await dispatch.accepted(token, text=CYRILLIC_71)

    await dispatch.publish(authorized(message, account_id))
    queued = await dispatch.wait_for(token, message["id"], lambda m: m["status"] != "accepted")

    assert queued["status"] == "queued"
    assert (queued["price"], queued["currency"]) == ("0.0800", "EUR")
    assert queued["queued_at"] is not None
    assert [p["status"] for p in queued["parts"]] == ["queued", "queued"]


async def test_charge_declined_rejects_the_message(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    message = await dispatch.accepted(token)
    declined = ChargeDeclined(
        account_id=account_id,
        message_id=UUID(message["id"]),
        code="insufficient_funds",
        reason="Balance 0.00 EUR is below the price 0.08 EUR",
    )

    await dispatch.publish(declined)
    rejected = await dispatch.wait_for(token, message["id"], lambda m: m["status"] != "accepted")

    assert rejected["status"] == "rejected"
    assert (rejected["error_code"], rejected["status_reason"]) == (declined.code, declined.reason)
    assert rejected["done_at"] is not None
    assert [p["status"] for p in rejected["parts"]] == ["rejected"]
    # Nothing a late authorisation could do: the message stays rejected and is never queued.
    await dispatch.publish_and_wait(authorized(message, account_id))
    assert (await dispatch.get(token, message["id"])).json()["status"] == "rejected"


async def handle_in_one_batch(dispatch: Dispatch, *events: Event) -> None:
    """Hand dispatch's consumer these events as one fetched batch, in this order."""
    (consumer,) = dispatch.runtime.consumers
    await consumer.process(fetched(*events))


async def test_billing_answers_fetched_in_one_batch_each_move_their_own_message(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    _, other_token = await auth_service.new_account()
    short, long, declined, foreign = (
        await dispatch.accepted(token),
        await dispatch.accepted(token, text=CYRILLIC_71),
        await dispatch.accepted(token),
        await dispatch.accepted(other_token),
    )
    long_price = authorized(long, account_id).model_copy(update={"amount": "0.1600"})

    await handle_in_one_batch(
        dispatch,
        authorized(short, account_id),
        long_price,
        # Names the wrong account: it can never apply to that message.
        authorized(foreign, account_id),
        ChargeDeclined(
            account_id=account_id,
            message_id=UUID(declined["id"]),
            code="insufficient_funds",
            reason="Balance 0.00 EUR is below the price 0.08 EUR",
        ),
        authorized(short, account_id),  # billing answered twice: a new event, no effect
    )

    def state(message: dict[str, Any]) -> tuple[Any, ...]:
        return message["status"], message["price"], [p["status"] for p in message["parts"]]

    got = {
        name: state((await dispatch.get(owner, message["id"])).json())
        for name, owner, message in [
            ("short", token, short),
            ("long", token, long),
            ("declined", token, declined),
            ("foreign", other_token, foreign),
        ]
    }
    assert got == {
        "short": ("queued", "0.0800", ["queued"]),
        "long": ("queued", "0.1600", ["queued", "queued"]),
        "declined": ("rejected", None, ["rejected"]),
        "foreign": ("accepted", None, ["pending"]),
    }


# --- the worker's repository functions and the receipts ---------------------------------------


async def _queued(
    dispatch: Dispatch, auth_service: AuthClient, text: str
) -> tuple[UUID, str, dict[str, Any]]:
    account_id, token = await auth_service.new_account()
    message = await dispatch.accepted(token, text=text)
    await dispatch.publish(authorized(message, account_id))
    await dispatch.wait_for(token, message["id"], lambda m: m["status"] == "queued")
    return account_id, token, message


async def _claim(
    dispatch: Dispatch, message_id: UUID, **kwargs: Any
) -> list[repository.PartToSend]:
    async for session in session_scope(dispatch.runtime.sessionmaker):
        parts = await repository.claim_queued_parts(session, limit=10_000, **kwargs)
    return [part for part in parts if part.message_id == message_id]


async def test_receipts_deliver_the_message_and_late_ones_change_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token, message = await _queued(dispatch, auth_service, CYRILLIC_71)
    message_id = UUID(message["id"])

    parts = await _claim(dispatch, message_id)
    assert [(p.part_index, p.segments, p.encoding) for p in parts] == [
        (1, 2, "ucs2"),
        (2, 2, "ucs2"),
    ]
    assert "".join(p.text for p in parts) == CYRILLIC_71
    assert len({p.concat_reference for p in parts}) == 1
    assert {(p.account_id, p.to_number, p.sender) for p in parts} == {
        (account_id, "+447700900123", "SMSGW")
    }
    assert await _claim(dispatch, message_id, exclude={(message_id, 1)}) == parts[1:]

    sent_at = datetime.now(UTC)
    async for session in session_scope(dispatch.runtime.sessionmaker):
        for part in parts:
            smsc_id = f"smsc-{message['id'][:8]}-{part.part_index}"
            assert await repository.mark_part_sent(
                session, message_id, part.part_index, smsc_id, sent_at
            )
    sent = (await dispatch.get(token, message["id"])).json()
    assert sent["status"] == "sent"
    assert sent["sent_at"] is not None
    assert [p["smsc_message_id"] for p in sent["parts"]] == [
        f"smsc-{message['id'][:8]}-1",
        f"smsc-{message['id'][:8]}-2",
    ]
    assert await _claim(dispatch, message_id) == []

    # Part 2's receipt overtakes part 1's: one part delivered is not the message delivered.
    await dispatch.publish_and_wait(receipt(message, account_id, 2, "delivered"))
    assert (await dispatch.get(token, message["id"])).json()["status"] == "sent"
    first_receipt = receipt(message, account_id, 1, "delivered")
    await dispatch.publish_and_wait(first_receipt)
    delivered = (await dispatch.get(token, message["id"])).json()
    assert delivered["status"] == "delivered"
    assert delivered["done_at"] is not None
    assert [p["status"] for p in delivered["parts"]] == ["delivered", "delivered"]

    # A redelivered event, a conflicting late receipt and a late submit response.
    await dispatch.publish(first_receipt)
    await dispatch.publish_and_wait(receipt(message, account_id, 1, "undelivered"))
    async for session in session_scope(dispatch.runtime.sessionmaker):
        late = await repository.mark_part_sent(
            session, message_id, 1, "smsc-late", datetime.now(UTC)
        )
    assert late is False
    assert (await dispatch.get(token, message["id"])).json() == delivered


async def test_undelivered_part_makes_the_message_undelivered(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token, message = await _queued(dispatch, auth_service, "x" * 200)
    message_id = UUID(message["id"])
    async for session in session_scope(dispatch.runtime.sessionmaker):
        for index in (1, 2):
            await repository.mark_part_sent(session, message_id, index, f"id-{index}", utcnow())

    await dispatch.publish_and_wait(receipt(message, account_id, 1, "delivered"))
    await dispatch.publish_and_wait(receipt(message, account_id, 2, "expired"))

    result = (await dispatch.get(token, message["id"])).json()
    assert result["status"] == "undelivered"
    assert (result["error_code"], result["status_reason"]) == ("0x0000000B", "part 2 expired")
    assert [p["status"] for p in result["parts"]] == ["delivered", "expired"]


async def test_receipts_fetched_in_one_batch_apply_in_order(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token, message = await _queued(dispatch, auth_service, CYRILLIC_71)
    await _mark_sent(dispatch, message, utcnow())

    await handle_in_one_batch(
        dispatch,
        receipt(message, account_id, 2, "delivered"),
        receipt(message, account_id, 1, "delivered"),
        # A contradicting late receipt in the same batch: the first final word stands.
        receipt(message, account_id, 1, "undelivered"),
    )

    result = (await dispatch.get(token, message["id"])).json()
    assert result["status"] == "delivered"
    assert [p["status"] for p in result["parts"]] == ["delivered", "delivered"]
    assert result["error_code"] is None


async def test_submit_failure_fails_the_message(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token, message = await _queued(dispatch, auth_service, "Hi")
    message_id = UUID(message["id"])

    async for session in session_scope(dispatch.runtime.sessionmaker):
        moved = await repository.mark_part_failed(
            session, message_id, 1, "smpp_0x0b", "Invalid destination address", utcnow()
        )
    failed = (await dispatch.get(token, message["id"])).json()

    assert moved is True
    assert failed["status"] == "failed"
    assert (failed["error_code"], failed["status_reason"]) == (
        "smpp_0x0b",
        "Invalid destination address",
    )
    assert failed["parts"][0]["error_code"] == "smpp_0x0b"
    assert await _claim(dispatch, message_id) == []


async def test_unknown_part_is_an_error_for_the_worker(dispatch: Dispatch) -> None:
    async with dispatch.runtime.sessionmaker() as session:
        with pytest.raises(repository.PartNotFound):
            await repository.mark_part_sent(session, uuid4(), 1, "x", utcnow())


# --- the receipt deadline -------------------------------------------------------------------


async def _mark_sent(dispatch: Dispatch, message: dict[str, Any], at: datetime) -> None:
    async for session in session_scope(dispatch.runtime.sessionmaker):
        for index in range(1, message["segments"] + 1):
            smsc_id = f"smsc-{message['id'][:8]}-{index}"
            await repository.mark_part_sent(session, UUID(message["id"]), index, smsc_id, at)


async def test_parts_without_a_receipt_expire_after_the_deadline_and_a_late_receipt_wins(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token, overdue = await _queued(dispatch, auth_service, CYRILLIC_71)
    _, recent_token, recent = await _queued(dispatch, auth_service, "Hi")
    settings = dispatch.runtime.settings
    assert isinstance(settings, DispatchSettings)
    deadline = timedelta(seconds=settings.receipt_deadline_seconds)
    await _mark_sent(dispatch, overdue, utcnow() - deadline - timedelta(minutes=1))
    await _mark_sent(dispatch, recent, utcnow())
    await dispatch.publish_and_wait(receipt(overdue, account_id, 2, "delivered"))

    # The app's own sweeper gives part 1 its final status.
    expired = await dispatch.wait_for(token, overdue["id"], lambda m: m["status"] != "sent")

    assert expired["status"] == "undelivered"
    assert [p["status"] for p in expired["parts"]] == ["expired", "delivered"]
    assert expired["parts"][0]["error_code"] == "receipt_timeout"
    assert expired["parts"][0]["done_at"] is not None
    assert expired["error_code"] == "receipt_timeout"
    assert expired["status_reason"].startswith("part 1 expired: no delivery receipt")
    assert expired["done_at"] is not None
    # Only parts past the deadline: one sent a moment ago still waits for its receipt.
    assert (await dispatch.get(recent_token, recent["id"])).json()["status"] == "sent"

    # A late submit response can't take it back to "sent".
    async for session in session_scope(dispatch.runtime.sessionmaker):
        assert not await repository.mark_part_sent(
            session, UUID(overdue["id"]), 1, "smsc-late", utcnow()
        )
    assert (await dispatch.get(token, overdue["id"])).json() == expired

    # The operator's word beats our guess: the handset did get it.
    await dispatch.publish_and_wait(receipt(overdue, account_id, 1, "delivered"))
    delivered = (await dispatch.get(token, overdue["id"])).json()
    assert delivered["status"] == "delivered"
    assert [p["status"] for p in delivered["parts"]] == ["delivered", "delivered"]
    assert (delivered["error_code"], delivered["status_reason"]) == (None, None)
    assert delivered["parts"][0]["error_code"] is None
    # The guess stays on record, replaced by the receipt.
    assert [(c["status"], c["error_code"]) for c in delivered["parts"][0]["history"]] == [
        ("pending", None),
        ("queued", None),
        ("sent", None),
        ("expired", "receipt_timeout"),
        ("delivered", None),
    ]

    # Once real, an outcome is final again: a conflicting receipt changes nothing.
    await dispatch.publish_and_wait(receipt(overdue, account_id, 1, "undelivered"))
    assert (await dispatch.get(token, overdue["id"])).json() == delivered


async def test_a_late_failure_receipt_replaces_the_timeout_with_its_own_reason(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token, message = await _queued(dispatch, auth_service, "x" * 200)
    await _mark_sent(dispatch, message, utcnow())
    async for session in session_scope(dispatch.runtime.sessionmaker):
        await expiry.time_out_overdue(
            session, ReceiptDeadline(timedelta(0), "unknown"), utcnow(), limit=10_000
        )
    timed_out = (await dispatch.get(token, message["id"])).json()
    assert [p["status"] for p in timed_out["parts"]] == ["unknown", "unknown"]
    assert timed_out["status_reason"].startswith("part 1 unknown: no delivery receipt")

    await dispatch.publish_and_wait(receipt(message, account_id, 1, "undelivered"))

    result = (await dispatch.get(token, message["id"])).json()
    assert result["status"] == "undelivered"
    assert [p["status"] for p in result["parts"]] == ["undelivered", "unknown"]
    assert [p["error_code"] for p in result["parts"]] == ["0x0000000B", "receipt_timeout"]
    assert (result["error_code"], result["status_reason"]) == ("0x0000000B", "part 1 undelivered")


async def _overdue_parts(dispatch: Dispatch, cutoff: datetime) -> int:
    statement = select(MessagePart.message_id).where(
        MessagePart.status == "sent", MessagePart.submitted_at < cutoff
    )
    async with dispatch.runtime.sessionmaker() as session:
        return len((await session.scalars(statement)).all())


async def test_concurrent_sweepers_time_out_each_part_once(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    messages = [await dispatch.accepted(token, text=f"{i} " + "x" * 200) for i in range(12)]
    for message in messages:
        await dispatch.publish(authorized(message, account_id))
    for message in messages:
        await dispatch.wait_for(token, message["id"], lambda m: m["status"] == "queued")
        await _mark_sent(dispatch, message, utcnow())
    now = utcnow()
    deadline = ReceiptDeadline(timedelta(0), "expired")
    expected = await _overdue_parts(dispatch, now)

    async def sweeper() -> int:
        moved_total = 0
        while True:
            async for session in session_scope(dispatch.runtime.sessionmaker):
                looked_at, moved = await expiry.time_out_overdue(session, deadline, now, limit=3)
            moved_total += moved
            if looked_at == 0:
                return moved_total

    moved = await asyncio.gather(*(sweeper() for _ in range(4)))

    assert sum(moved) == expected
    assert await _overdue_parts(dispatch, now) == 0
    for message in messages:
        result = (await dispatch.get(token, message["id"])).json()
        assert result["status"] == "undelivered"
        assert [p["status"] for p in result["parts"]] == ["expired", "expired"]


async def test_parts_stuck_before_the_smsc_are_reported(
    dispatch: Dispatch, auth_service: AuthClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def report() -> expiry.StuckParts:
        async for session in session_scope(dispatch.runtime.sessionmaker):
            stuck = await expiry.report_stuck(session, timedelta(0), utcnow())
        return stuck

    before = await report()
    _, token = await auth_service.new_account()
    await dispatch.accepted(token, text="x" * 200)  # billing never answers
    await _queued(dispatch, auth_service, "Hi")  # the SMPP worker never sends it
    caplog.clear()

    with caplog.at_level(logging.WARNING, logger="dispatch_service.expiry"):
        after = await report()

    assert after.waiting_for_billing.parts == before.waiting_for_billing.parts + 2
    assert after.waiting_for_smsc.parts == before.waiting_for_smsc.parts + 1
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("dispatch_service")]
    assert any("pending, no answer from billing" in line for line in logged), logged
    assert any("queued, never submitted to the SMSC" in line for line in logged), logged


# --- schema ---------------------------------------------------------------------------------


async def test_a_destination_the_accounts_tariff_does_not_price_is_refused_no_tariff(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    # The account's own plan (billing's tariff.published), so no other test's account is
    # affected: it prices the UK only.
    plan = TariffPublished(
        account_id=account_id,
        tariff_id=uuid4(),
        version_id=uuid4(),
        effective_from=utcnow(),
        prefixes=["44"],
    )
    await handle_in_one_batch(dispatch, plan, plan.model_copy(update={"event_id": uuid4()}))

    refused = await dispatch.send(token, to="+79161234567", text="Hi")
    assert_problem(refused, 422, "no_tariff")
    assert refused.json()["destinations"] == ["+79161234567"]
    assert await dispatch.listed(token) == []
    await dispatch.accepted(token, to="+447700900123")

    batch = await dispatch.client.post(
        "/v1/messages/batch",
        json={"to": ["+447700900124", "+79161234567"], "text": "Hi"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert batch.status_code == 202, batch.text
    assert [(r["index"], r["code"]) for r in batch.json()["rejected"]] == [(1, "no_tariff")]
    assert [m["to"] for m in batch.json()["messages"]] == ["+447700900124"]

    # Another account, on the platform's flat price (no public tariff here), is not affected.
    _, other = await auth_service.new_account()
    await dispatch.accepted(other, to="+79161234567")


async def test_an_account_is_gated_by_the_public_tariff_of_its_own_currency(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    usd_id, usd = await auth_service.new_account()
    eur_id, eur = await auth_service.new_account()
    _, unknown = await auth_service.new_account()

    def public(currency: str, *prefixes: str) -> TariffPublished:
        return TariffPublished(
            account_id=None,
            tariff_id=uuid4(),
            version_id=uuid4(),
            effective_from=utcnow(),
            prefixes=list(prefixes),
            currency=currency,
        )

    def assigned(account_id: UUID, currency: str) -> CompanyAssigned:
        return CompanyAssigned(
            account_id=account_id, company=f"acme-{currency}", countries=[], currency=currency
        )

    # Two public tariffs, so this module's other accounts (currency unknown) stay ungated.
    await handle_in_one_batch(
        dispatch,
        public("EUR", "44", "7"),
        public("USD", "44"),
        assigned(usd_id, "USD"),
        assigned(eur_id, "EUR"),
    )

    refused = await dispatch.send(usd, to="+79161234567", text="Hi")
    assert_problem(refused, 422, "no_tariff")
    await dispatch.accepted(usd, to="+447700900123")
    await dispatch.accepted(eur, to="+79161234567")
    # Which of the two billing would price it by is not known here: billing decides.
    await dispatch.accepted(unknown, to="+79161234567")


async def test_a_currency_said_again_of_a_version_stored_without_one_is_taken(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    plan = TariffPublished(
        account_id=account_id,
        tariff_id=uuid4(),
        version_id=uuid4(),
        effective_from=utcnow(),
        prefixes=["44"],
    )
    company = CompanyAssigned(account_id=account_id, company="acme", countries=[], currency="EUR")
    await handle_in_one_batch(dispatch, plan, company)
    # Said before currencies: the plan applies whatever the account's currency.
    assert_problem(await dispatch.send(token, to="+79161234567", text="Hi"), 422, "no_tariff")

    # Billing says it again with its currency (and a copy without, in the same batch): a
    # plan in another currency than the account's is not what billing prices it by.
    again = plan.model_copy(update={"event_id": uuid4(), "currency": "USD"})
    await handle_in_one_batch(dispatch, again, plan.model_copy(update={"event_id": uuid4()}))
    await dispatch.accepted(token, to="+79161234567")


async def test_migrations_match_the_models(dispatch: Dispatch) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with dispatch.runtime.engine.connect() as connection:
        assert await connection.run_sync(diff) == []

"""Inbound (MO) SMS against PostgreSQL and the broker: numbers assigned by operators, whose
MO is whose, the inbound API, reassembly of long MOs and the opt-out keywords."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from dlr_service.config import DlrSettings
from dlr_service.inbound.models import InboundMessage, InboundPart, LastSend
from dlr_service.inbound.sweeper import IncompleteMoSweeper
from dlr_service.main import create_app
from shared.events import (
    BatchAccepted,
    BatchedMessage,
    DeliverSmReceived,
    MessageAccepted,
    RecipientConsentChanged,
    parse_event,
)
from shared.kafka import new_consumer, new_producer
from shared.runtime import ServiceRuntime
from tests.integration.test_dlr import publish
from tests.integration.test_senders import assert_problem, token_as
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30


@pytest.fixture(scope="module")
async def dlr(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = DlrSettings(
        database_url=await databases.create("dlr"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        sweep_interval_seconds=0.2,
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield app, client


@pytest.fixture
def api(dlr: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return dlr[1]


@pytest.fixture
def runtime(dlr: tuple[FastAPI, httpx.AsyncClient]) -> ServiceRuntime:
    runtime: ServiceRuntime = dlr[0].state.runtime
    return runtime


@pytest.fixture
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = new_producer(broker)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def assign(
    api: httpx.AsyncClient, ops: dict[str, str], number: str, account_id: UUID
) -> httpx.Response:
    return await api.post(
        "/v1/ops/numbers", json={"number": number, "account_id": str(account_id)}, headers=ops
    )


_numbers = iter(range(10**6))


def fresh_number() -> str:
    """A number no other test of the run has used."""
    return f"+4475{next(_numbers):07d}"


def mo(
    text: str,
    source: str,
    destination: str,
    *,
    esm_class: int = 0,
    data_coding: int = 0,
    payload: bytes | None = None,
    **fields: Any,
) -> DeliverSmReceived:
    """An MO as the connector publishes it: addresses as the SMSC sent them, without `+`."""
    return DeliverSmReceived(
        source_addr=source.removeprefix("+"),
        destination_addr=destination.removeprefix("+"),
        esm_class=esm_class,
        data_coding=data_coding,
        short_message_hex=(text.encode() if payload is None else payload).hex(),
        text=text,
        **fields,
    )


async def eventually(check: Callable[[], Awaitable[object]]) -> Any:
    async with asyncio.timeout(WAIT_SECONDS):
        while not (result := await check()):
            await asyncio.sleep(0.1)
    return result


async def stored(runtime: ServiceRuntime, text: str) -> InboundMessage | None:
    async with runtime.sessionmaker() as session:
        statement = select(InboundMessage).where(InboundMessage.text == text)
        return (await session.scalars(statement)).first()


async def received(runtime: ServiceRuntime, text: str) -> InboundMessage:
    """The MO once dlr stored it."""
    message: InboundMessage = await eventually(lambda: stored(runtime, text))
    return message


async def sent(
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
    account_id: UUID,
    to: str,
    sender: str,
    at: datetime | None = None,
) -> None:
    """dispatch accepted a message from `sender` to `to`, and dlr has taken note."""
    accepted = MessageAccepted(
        account_id=account_id,
        message_id=uuid4(),
        to=to,
        sender=sender,
        encoding="gsm7",
        segments=1,
        occurred_at=at or datetime.now(UTC),
    )
    await publish(producer, accepted)

    async def noted() -> bool:
        async with runtime.sessionmaker() as session:
            row = await session.get(LastSend, (sender, to))
            return row is not None and row.last_sent_at == accepted.occurred_at

    await eventually(noted)


# --- numbers -------------------------------------------------------------------------------


async def test_an_operator_assigns_lists_and_unassigns_a_number(
    api: httpx.AsyncClient, ops: dict[str, str], auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    number = fresh_number()

    # Spelled as an SMSC would: no `+`. Stored, and answered, as E.164.
    response = await assign(api, ops, number.removeprefix("+"), account_id)
    assert response.status_code == 200, response.text
    assert response.json()["number"] == number
    assert response.json()["kind"] == "long_number"
    again = await assign(api, ops, number, account_id)
    assert again.status_code == 200
    short = await assign(api, ops, "60777", account_id)
    assert short.json()["kind"] == "short_code"

    listed = await api.get("/v1/ops/numbers", params={"account_id": str(account_id)}, headers=ops)
    assert [item["number"] for item in listed.json()["items"]] == [number, "60777"]

    assert (await api.delete(f"/v1/ops/numbers/{number}", headers=ops)).status_code == 204
    assert_problem(await api.delete(f"/v1/ops/numbers/{number}", headers=ops), 404, "not_found")
    listed = await api.get("/v1/ops/numbers", params={"account_id": str(account_id)}, headers=ops)
    assert [item["number"] for item in listed.json()["items"]] == ["60777"]


async def test_a_number_of_another_account_is_taken(
    api: httpx.AsyncClient, ops: dict[str, str], auth_service: AuthClient
) -> None:
    first, _ = await auth_service.new_account()
    second, _ = await auth_service.new_account()
    number = fresh_number()
    assert (await assign(api, ops, number, first)).status_code == 200

    assert_problem(await assign(api, ops, f"00{number[1:]}", second), 409, "number_taken")

    listed = await api.get("/v1/ops/numbers", params={"account_id": str(second)}, headers=ops)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("number", ["hello", "+0123456789", "12", "+1234567890123456"])
async def test_a_number_that_is_no_number_is_refused(
    api: httpx.AsyncClient, ops: dict[str, str], number: str
) -> None:
    account_id = UUID(int=1)
    assert_problem(await assign(api, ops, number, account_id), 422, "invalid_number")
    listed = await api.get("/v1/ops/numbers", params={"account_id": str(account_id)}, headers=ops)
    assert listed.json()["items"] == []


async def test_only_operators_manage_numbers(
    api: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    owner: dict[str, Any] = bearer(token)

    assert_problem(await assign(api, owner, fresh_number(), account_id), 403, "forbidden")
    assert_problem(await api.get("/v1/ops/numbers", headers=owner), 403, "forbidden")


# --- whose an MO is, and the API ----------------------------------------------------------


async def test_an_mo_to_an_assigned_number_is_its_accounts(
    api: httpx.AsyncClient,
    ops: dict[str, str],
    auth_service: AuthClient,
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
) -> None:
    account_id, token = await auth_service.new_account()
    _, other = await auth_service.new_account()
    number, handset, text = fresh_number(), fresh_number(), f"hello {uuid4()}"
    await assign(api, ops, number, account_id)

    await publish(producer, mo(text, handset, number, smsc="operator-a"))
    message = await received(runtime, text)

    listed = await api.get("/v1/inbound", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert item["id"] == str(message.id)
    assert (item["from"], item["to"], item["text"]) == (handset, number, text)
    assert item["smsc"] == "operator-a"
    one = await api.get(f"/v1/inbound/{message.id}", headers=bearer(token))
    assert one.json() == item
    # Nobody else's.
    assert (await api.get("/v1/inbound", headers=bearer(other))).json()["items"] == []
    assert_problem(
        await api.get(f"/v1/inbound/{message.id}", headers=bearer(other)), 404, "not_found"
    )


async def test_a_reply_is_the_last_senders_within_the_window(
    api: httpx.AsyncClient,
    auth_service: AuthClient,
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
) -> None:
    earlier, earlier_token = await auth_service.new_account()
    later, later_token = await auth_service.new_account()
    number, handset, text = fresh_number(), fresh_number(), f"YES {uuid4()}"
    now = datetime.now(UTC)
    await sent(producer, runtime, earlier, handset, number, now - timedelta(days=2))
    await sent(producer, runtime, later, handset, number, now - timedelta(days=1))
    # Late news of an older send changes nothing.
    await publish(
        producer,
        MessageAccepted(
            account_id=earlier,
            message_id=uuid4(),
            to=handset,
            sender=number,
            encoding="gsm7",
            segments=1,
            occurred_at=now - timedelta(days=3),
        ),
    )

    await publish(producer, mo(text, handset, number))
    message = await received(runtime, text)

    assert message.account_id == later
    later_items = (await api.get("/v1/inbound", headers=bearer(later_token))).json()["items"]
    assert [item["text"] for item in later_items] == [text]
    assert (await api.get("/v1/inbound", headers=bearer(earlier_token))).json()["items"] == []


async def test_a_reply_to_a_batch_is_the_batch_accounts(
    producer: AIOKafkaProducer, runtime: ServiceRuntime, auth_service: AuthClient
) -> None:
    account_id, _ = await auth_service.new_account()
    number, handset, text = fresh_number(), fresh_number(), f"yes {uuid4()}"
    await publish(
        producer,
        BatchAccepted(
            account_id=account_id,
            batch_id=uuid4(),
            messages=[
                BatchedMessage(message_id=uuid4(), segments=1, to=fresh_number(), sender=number),
                BatchedMessage(message_id=uuid4(), segments=1, to=handset, sender=number),
            ],
        ),
    )

    async def noted() -> bool:
        async with runtime.sessionmaker() as session:
            return await session.get(LastSend, (number, handset)) is not None

    await eventually(noted)
    await publish(producer, mo(text, handset, number))

    assert (await received(runtime, text)).account_id == account_id


async def test_an_mo_nobody_sent_to_lately_is_nobodys(
    auth_service: AuthClient, producer: AIOKafkaProducer, runtime: ServiceRuntime
) -> None:
    account_id, _ = await auth_service.new_account()
    number, handset, text = fresh_number(), fresh_number(), f"who? {uuid4()}"
    await sent(
        producer, runtime, account_id, handset, number, datetime.now(UTC) - timedelta(days=8)
    )

    await publish(producer, mo(text, handset, number))

    assert (await received(runtime, text)).account_id is None


async def test_pages_and_filters(
    api: httpx.AsyncClient,
    ops: dict[str, str],
    auth_service: AuthClient,
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
) -> None:
    account_id, token = await auth_service.new_account()
    number, alice, bob = fresh_number(), fresh_number(), fresh_number()
    await assign(api, ops, number, account_id)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    texts = [f"m{i} {uuid4()}" for i in range(5)]
    for i, text in enumerate(texts):
        handset = alice if i % 2 == 0 else bob
        await publish(producer, mo(text, handset, number, received_at=start + timedelta(hours=i)))
    for text in texts:
        await received(runtime, text)
    headers = bearer(token)

    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/v1/inbound", params=params, headers=headers)).json()
        seen += [item["text"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == texts[::-1]

    async def texts_of(**params: Any) -> list[str]:
        response = await api.get("/v1/inbound", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["text"] for item in response.json()["items"]]

    assert await texts_of(number=bob.removeprefix("+")) == [texts[3], texts[1]]
    assert await texts_of(number=number) == texts[::-1]
    window = {
        "from": (start + timedelta(hours=1)).isoformat(),
        "to": (start + timedelta(hours=3)).isoformat(),
    }
    assert await texts_of(**window) == [texts[2], texts[1]]
    assert_problem(
        await api.get("/v1/inbound", params={"cursor": "nonsense"}, headers=headers),
        422,
        "invalid_cursor",
    )


async def test_reading_inbound_needs_messages_read(
    api: httpx.AsyncClient, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    billing = token_as(auth_service, token, "billing")
    viewer = token_as(auth_service, token, "viewer")

    assert_problem(await api.get("/v1/inbound", headers=bearer(billing)), 403, "forbidden")
    assert (await api.get("/v1/inbound", headers=bearer(viewer))).status_code == 200


# --- long MOs --------------------------------------------------------------------------------


def udh8(reference: int, total: int, seq: int) -> bytes:
    return bytes([5, 0x00, 3, reference, total, seq])


def udh16(reference: int, total: int, seq: int) -> bytes:
    return bytes([6, 0x08, 4, reference >> 8, reference & 0xFF, total, seq])


def part(text: str, source: str, destination: str, udh: bytes, **fields: Any) -> DeliverSmReceived:
    """A part as the connector publishes it: the text decoded without its UDH."""
    return mo(text, source, destination, esm_class=0x40, payload=udh + text.encode(), **fields)


async def inbound_of(
    api: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await api.get("/v1/inbound", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
async def owned(
    api: httpx.AsyncClient, ops: dict[str, str], auth_service: AuthClient
) -> tuple[str, dict[str, str]]:
    """A number assigned to a fresh account, and that account's credentials."""
    account_id, token = await auth_service.new_account()
    number = fresh_number()
    assert (await assign(api, ops, number, account_id)).status_code == 200
    return number, bearer(token)


@pytest.mark.parametrize("form", ["udh8", "udh16", "sar"])
async def test_a_long_mo_in_any_form_is_one_message(
    api: httpx.AsyncClient,
    owned: tuple[str, dict[str, str]],
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
    form: str,
) -> None:
    number, headers = owned
    handset = fresh_number()
    pieces = [f"one {uuid4()} ", "two ", "three"]
    events = []
    for seq, piece in enumerate(pieces, start=1):
        if form == "udh8":
            events.append(part(piece, handset, number, udh8(0xA7, 3, seq)))
        elif form == "udh16":
            events.append(part(piece, handset, number, udh16(0xBEEF, 3, seq)))
        else:
            events.append(
                mo(
                    piece,
                    handset,
                    number,
                    sar_msg_ref_num=0x1234,
                    sar_total_segments=3,
                    sar_segment_seqnum=seq,
                )
            )
    # Out of order, and one part twice (the SMSC sending it again).
    for event in (events[2], events[0], events[2].model_copy(update={"event_id": uuid4()})):
        await publish(producer, event)
    await publish(producer, events[1])

    message = await received(runtime, "".join(pieces))

    (item,) = await inbound_of(api, headers, number=handset)
    assert item["id"] == str(message.id)
    assert item["text"] == "".join(pieces)
    assert (item["parts"], item["incomplete"], item["malformed"]) == (3, False, False)


async def test_a_long_mo_missing_a_part_is_kept_incomplete_after_the_window(
    api: httpx.AsyncClient,
    owned: tuple[str, dict[str, str]],
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
    dlr: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    number, headers = owned
    handset, first, third = fresh_number(), f"first {uuid4()} ", "third"
    await publish(producer, part(first, handset, number, udh8(7, 3, 1)))
    await publish(producer, part(third, handset, number, udh8(7, 3, 3)))
    # Both parts stored, still waiting for the second.
    settings = dlr[0].state.runtime.settings

    async def both_waiting() -> bool:
        async with runtime.sessionmaker() as session:
            rows = await session.scalars(
                select(InboundPart).where(InboundPart.from_number == handset)
            )
            return len(rows.all()) == 2

    await eventually(both_waiting)
    assert await inbound_of(api, headers, number=handset) == []
    # Within the window nothing is given up on.
    assert await IncompleteMoSweeper(runtime.sessionmaker, settings).sweep() == 0
    assert await inbound_of(api, headers, number=handset) == []

    later = datetime.now(UTC) + settings.mo_reassembly_window + timedelta(seconds=1)
    await IncompleteMoSweeper(runtime.sessionmaker, settings, clock=lambda: later).sweep()

    (item,) = await inbound_of(api, headers, number=handset)
    assert item["text"] == first + third
    assert (item["parts"], item["incomplete"]) == (3, True)


async def test_a_malformed_pdu_is_kept_raw_and_flagged(
    api: httpx.AsyncClient,
    owned: tuple[str, dict[str, str]],
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
) -> None:
    number, headers = owned
    handset, text = fresh_number(), f"after {uuid4()}"
    # A UDH claiming 40 octets in a payload of 8.
    bad = bytes([40, 0, 3, 1, 2, 1]) + b"hi"
    await publish(producer, mo("", handset, number, esm_class=0x40, payload=bad))
    # Binary read as text: NUL characters, which PostgreSQL cannot store.
    binary = b"\x00\x01hi"
    await publish(producer, mo("\x00\x01hi", handset, number, payload=binary, data_coding=4))
    # The consumer carries on: the next MO from that handset (same partition) arrives too.
    await publish(producer, mo(text, handset, number))
    await received(runtime, text)

    items = await inbound_of(api, headers, number=handset)
    assert len(items) == 3
    binary_item, bad_item = [item for item in items if item["malformed"]]
    assert bad_item["raw_hex"] == bad.hex()
    assert binary_item["raw_hex"] == binary.hex()
    assert binary_item["text"] == "\ufffd\x01hi"
    assert [item["text"] for item in items if not item["malformed"]] == [text]


# --- opt-out keywords ------------------------------------------------------------------------


@pytest.fixture
async def consent(broker: str) -> AsyncIterator["ConsentReader"]:
    reader = ConsentReader(broker)
    await reader.consumer.start()
    yield reader
    await reader.consumer.stop()


class ConsentReader:
    """Reads recipients.consent in a consumer group of its own, from the start."""

    def __init__(self, broker: str) -> None:
        self.consumer = new_consumer(
            broker, f"test-consent-{uuid4()}", RecipientConsentChanged.topic
        )
        self.seen: list[RecipientConsentChanged] = []

    async def of(self, phone: str, count: int) -> list[RecipientConsentChanged]:
        """The first `count` changes of this number, waiting for them."""
        async with asyncio.timeout(WAIT_SECONDS):
            while len(mine := [e for e in self.seen if e.phone == phone]) < count:
                batch = await self.consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        event = parse_event(record.value)
                        if isinstance(event, RecipientConsentChanged):
                            self.seen.append(event)
        return mine


async def test_stop_and_start_change_the_senders_consent_for_the_owner(
    api: httpx.AsyncClient,
    ops: dict[str, str],
    auth_service: AuthClient,
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
    consent: ConsentReader,
) -> None:
    account_id, token = await auth_service.new_account()
    number, handset = fresh_number(), fresh_number()
    await assign(api, ops, number, account_id)
    stop = mo(" Stop ", handset, number)
    # The same word to a number nobody has: no account to opt out of.
    await publish(producer, mo("STOP", handset, fresh_number()))
    await publish(producer, stop)
    await publish(producer, mo("start", handset, number))

    first, second = await consent.of(handset, 2)

    assert (first.account_id, first.opted_out, first.source) == (account_id, True, "keyword")
    assert first.purpose == "marketing"
    assert first.evidence == f"inbound:{stop.event_id}"
    assert (second.account_id, second.opted_out) == (account_id, False)
    items = await inbound_of(api, bearer(token), number=handset)
    assert [item["keyword"] for item in items] == ["START", "STOP"]


async def test_a_longer_text_with_the_word_is_no_keyword(
    api: httpx.AsyncClient,
    owned: tuple[str, dict[str, str]],
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
    consent: ConsentReader,
) -> None:
    number, headers = owned
    handset = fresh_number()
    await publish(producer, mo("please don't stop", handset, number))
    await publish(producer, mo("СТОП", handset, number))

    (change,) = await consent.of(handset, 1)

    assert change.opted_out
    items = await inbound_of(api, headers, number=handset)
    assert [item["keyword"] for item in items] == ["СТОП", None]


async def test_help_is_a_keyword_that_changes_no_consent(
    api: httpx.AsyncClient,
    owned: tuple[str, dict[str, str]],
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
    consent: ConsentReader,
) -> None:
    number, headers = owned
    handset = fresh_number()
    await publish(producer, mo(" help ", handset, number))
    await publish(producer, mo("STOP", handset, number))

    # The one change is the STOP's; the HELP before it (same handset, same partition) made none.
    (change,) = await consent.of(handset, 1)

    assert change.opted_out
    items = await inbound_of(api, headers, number=handset)
    assert [item["keyword"] for item in items] == ["STOP", "HELP"]


async def test_a_long_mo_sent_again_is_one_but_the_next_with_the_same_reference_is_new(
    api: httpx.AsyncClient,
    owned: tuple[str, dict[str, str]],
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
) -> None:
    number, headers = owned
    handset = fresh_number()
    first = [f"first {uuid4()} ", "end"]
    second = [f"second {uuid4()} ", "end"]
    for pieces in (first, first, second):  # the SMSC repeats the first, then a new one
        for seq, piece in enumerate(pieces, start=1):
            await publish(producer, part(piece, handset, number, udh8(0x33, 2, seq)))

    await received(runtime, "".join(second))

    items = await inbound_of(api, headers, number=handset)
    assert [item["text"] for item in items] == ["".join(second), "".join(first)]


async def test_operators_see_the_mos_nobody_owns(
    api: httpx.AsyncClient,
    ops: dict[str, str],
    auth_service: AuthClient,
    producer: AIOKafkaProducer,
    runtime: ServiceRuntime,
) -> None:
    _, token = await auth_service.new_account()
    handset, text = fresh_number(), f"anyone? {uuid4()}"
    await publish(producer, mo(text, handset, fresh_number()))
    message = await received(runtime, text)

    listed = await api.get(
        "/v1/ops/inbound", params={"unowned": "true", "number": handset}, headers=ops
    )
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert (item["id"], item["from"], item["account_id"]) == (str(message.id), handset, None)
    # Operators never see what people wrote (issue 12): no text, not even as raw bytes.
    assert text not in listed.text
    assert not {"text", "raw_hex"} & item.keys()
    one = await api.get(f"/v1/ops/inbound/{message.id}", headers=ops)
    assert one.json() == item
    assert_problem(
        await api.get(f"/v1/inbound/{message.id}", headers=bearer(token)), 404, "not_found"
    )
    assert_problem(await api.get("/v1/ops/inbound", headers=bearer(token)), 403, "forbidden")

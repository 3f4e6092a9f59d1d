"""One message's trace across processes (issue 13 item 2): the gateway's request span, the
service's server span as its child, and the trace carried by events through the outbox, the
broker and the inbox, on the real broker with the real gateway and billing service.

Spans go to the SDK's in-memory exporter, configured here rather than by environment."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from billing_service.db import Outbox
from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox as DispatchOutbox
from dispatch_service.messages import handlers, service
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.smpp.connector import Connector
from shared import tracing
from shared.db import create_engine, create_sessionmaker
from shared.events import (
    AccountRegistered,
    ChargeAuthorized,
    ChargeEvent,
    DeliverSmReceived,
    MessageAccepted,
    MessagePartSubmitted,
    parse_event,
)
from shared.kafka import new_producer
from shared.outbox import add_event
from shared.runtime import ServiceRuntime
from smsc_simulator import SimulatorConfig, SmscSimulator
from tests.support.apps import AuthClient, served_app
from tests.support.databases import Databases
from tests.support.inbox import headers_of, publish_event

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30
Record = ConsumerRecord[Any, Any]


@pytest.fixture(scope="module")
def provider() -> Iterator[TracerProvider]:
    """Tracing on for this module's apps, exported by `spans`."""
    provider = TracerProvider()
    tracing.enable(provider)
    yield provider
    tracing.disable()


@pytest.fixture(scope="module")
def spans(provider: TracerProvider) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture(scope="module")
async def billing_url(
    spans: InMemorySpanExporter, databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[str]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("1.00"),
        price_per_part=Decimal("0.05"),
        environment="test",
        # Its own group: billing apps of other modules consume into databases of their own.
        consumer_group="billing-tracing",
    )
    async with served_app(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
async def gateway_url(auth_service: AuthClient, billing_url: str) -> AsyncIterator[str]:
    from gateway.config import GatewaySettings
    from gateway.main import create_app

    upstreams = {f"{name}_url": billing_url for name in ("contacts", "dispatch", "billing", "dlr")}
    settings = GatewaySettings(auth_url=auth_service.base_url, **upstreams)
    async with served_app(create_app(settings), proxy_headers=False) as url:
        yield url


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    kafka_producer = new_producer(broker)
    await kafka_producer.start()
    yield kafka_producer
    await kafka_producer.stop()


def hex_trace(span: ReadableSpan) -> str:
    return format(span.context.trace_id, "032x")


def hex_span(span: ReadableSpan) -> str:
    return format(span.context.span_id, "016x")


def trace_and_parent(traceparent: str | None) -> tuple[str, str]:
    """A W3C traceparent's trace id and parent span id (the flags are the SDK's business)."""
    assert traceparent is not None
    _, trace_id, parent_id, _ = traceparent.split("-")
    return trace_id, parent_id


def finished(exporter: InMemorySpanExporter, kind: SpanKind, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind == kind and s.name == name]


async def test_a_request_through_the_gateway_is_one_trace_down_to_the_service(
    spans: InMemorySpanExporter, gateway_url: str, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    spans.clear()
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as client:
        # A query the route ignores, with what a query may well carry: a phone number.
        response = await client.get(
            "/v1/billing/balance?to=%2B447700900123",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text

    # The service's span ends before the gateway's: wait for the outermost one.
    async with asyncio.timeout(WAIT_SECONDS):
        while not finished(spans, SpanKind.SERVER, "GET /v1/billing/"):
            await asyncio.sleep(0.05)
    (gateway,) = finished(spans, SpanKind.SERVER, "GET /v1/billing/")
    (upstream,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT]
    (service,) = finished(spans, SpanKind.SERVER, "GET /v1/billing/balance")
    assert gateway.parent is None  # the client sent no traceparent: the trace starts here
    assert gateway.attributes is not None
    assert gateway.attributes["http.route"] == "/v1/billing/"  # the public route, no ids
    assert upstream.parent is not None
    assert upstream.parent.span_id == gateway.context.span_id
    assert service.parent is not None
    assert service.parent.span_id == upstream.context.span_id
    assert hex_trace(gateway) == hex_trace(upstream) == hex_trace(service)
    # Spans leave the platform: no URL in them keeps its query string (R19).
    for span in (gateway, upstream, service):
        assert span.attributes is not None
        assert not any("447700900123" in str(value) for value in span.attributes.values())


async def test_an_event_staged_in_a_span_carries_its_traceparent_and_none_without_tracing(
    provider: TracerProvider, databases: Databases
) -> None:
    engine = create_engine(await databases.create("billing"))
    sessionmaker = create_sessionmaker(engine)
    traced, untraced = accepted(), accepted()
    try:
        async with sessionmaker() as session, session.begin():
            with tracing.tracer().start_as_current_span("POST /v1/messages") as request:
                add_event(session, Outbox, traced)
            tracing.disable()
            try:
                add_event(session, Outbox, untraced)
            finally:
                tracing.enable(provider)
        async with sessionmaker() as session:
            rows = {row.id: row.payload for row in await session.scalars(select(Outbox))}
    finally:
        await engine.dispose()

    context = request.get_span_context()
    staged = parse_event(rows[traced.event_id].encode())
    assert trace_and_parent(staged.traceparent) == (
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    )
    assert parse_event(rows[untraced.event_id].encode()).traceparent is None
    assert "traceparent" not in json.loads(rows[untraced.event_id])


async def test_a_consumed_event_is_handled_in_its_trace_and_the_answer_stays_in_it(
    spans: InMemorySpanExporter, billing_url: str, broker: str, producer: AIOKafkaProducer
) -> None:
    charges = AIOKafkaConsumer(
        ChargeEvent.topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await charges.start()
    try:
        with tracing.tracer().start_as_current_span("dispatch intake") as intake:
            event = accepted().model_copy(update={"traceparent": tracing.traceparent_for()})
        await publish_event(producer, MessageAccepted.topic, event)
        record = await first_charge_of(charges, event.message_id)
    finally:
        await charges.stop()

    trace_id = f"{intake.get_span_context().trace_id:032x}"
    (handled,) = [
        s
        for s in finished(spans, SpanKind.CONSUMER, "message.accepted process")
        if s.attributes and s.attributes.get("messaging.message.id") == str(event.event_id)
    ]
    assert hex_trace(handled) == trace_id
    assert handled.parent is not None
    assert handled.parent.span_id == intake.get_span_context().span_id
    # billing's charge continues the message's trace from its own handling span, in the
    # payload and in the record header the relay adds.
    charge = parse_event(record.value)
    assert trace_and_parent(charge.traceparent) == (trace_id, hex_span(handled))
    assert headers_of(record)["traceparent"] == charge.traceparent


async def test_an_event_for_a_one_at_a_time_handler_is_handled_in_its_trace(
    spans: InMemorySpanExporter, billing_url: str, producer: AIOKafkaProducer
) -> None:
    with tracing.tracer().start_as_current_span("auth register") as register:
        event = AccountRegistered(
            account_id=uuid4(),
            email="a@example.com",
            company_name="A",
            traceparent=tracing.traceparent_for(),
        )
    await publish_event(producer, AccountRegistered.topic, event)

    def handled() -> list[ReadableSpan]:
        return [
            s
            for s in finished(spans, SpanKind.CONSUMER, "account.registered process")
            if s.attributes and s.attributes.get("messaging.message.id") == str(event.event_id)
        ]

    async with asyncio.timeout(WAIT_SECONDS):
        while not handled():
            await asyncio.sleep(0.05)
    # Every consumer of the event in this process (billing's, and any other service's the
    # session runs) handles it in the trace it was published in.
    for span in handled():
        assert span.context.trace_id == register.get_span_context().trace_id
        assert span.parent is not None
        assert span.parent.span_id == register.get_span_context().span_id


def accepted() -> MessageAccepted:
    return MessageAccepted(
        account_id=uuid4(),
        message_id=uuid4(),
        to="+447700900123",
        sender="Acme",
        encoding="gsm7",
        segments=1,
    )


async def first_charge_of(consumer: AIOKafkaConsumer, message_id: UUID) -> Record:
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if json.loads(record.value).get("message_id") == str(message_id):
                        return record


async def test_the_smpp_connector_starts_the_traces_of_submissions_and_receipts(
    spans: InMemorySpanExporter, databases: Databases, broker: str
) -> None:
    simulator = SmscSimulator(SimulatorConfig(receipt_delay=0.05))
    await simulator.start()
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        environment="test",
        smpp_host="127.0.0.1",
        smpp_port=simulator.port,
    )
    runtime = ServiceRuntime(settings=settings, outbox_model=DispatchOutbox)
    await runtime.start()
    task = asyncio.create_task(Connector(settings, runtime).run())
    try:
        ids = await queue_messages(runtime, settings, 3)
        submitted = await read_until(
            broker, MessagePartSubmitted.topic, "message.part_submitted", "message_id", ids
        )
        smsc_ids = {event["smsc_message_id"] for event in submitted}
        receipts = await read_until(
            broker,
            DeliverSmReceived.topic,
            "smpp.deliver_sm_received",
            "receipted_message_id",
            smsc_ids,
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime.stop()
        await simulator.stop()

    recorded = {hex_span(s): s for s in spans.get_finished_spans()}
    for events, name in (
        (submitted, "smpp submit_sm_resp record"),
        (receipts, "smpp deliver_sm record"),
    ):
        for event in events:
            trace_id, parent_id = trace_and_parent(event.get("traceparent"))
            assert recorded[parent_id].name == name
            assert hex_trace(recorded[parent_id]) == trace_id


async def queue_messages(
    runtime: ServiceRuntime, settings: DispatchSettings, count: int
) -> set[str]:
    """Messages accepted and charged, their parts queued for the connector."""
    account_id, ids = uuid4(), []
    async with runtime.sessionmaker() as session, session.begin():
        for i in range(count):
            request = SendMessageRequest(to=f"+4479113{i:05d}", text=f"message {i}")
            message, _ = await service.send_message(session, settings, account_id, request)
            ids.append(message.id)
        await session.flush()
        await handlers.on_charges_authorized(
            session,
            [
                ChargeAuthorized(
                    account_id=account_id, message_id=id, amount="0.05", currency="EUR"
                )
                for id in ids
            ],
        )
    return {str(message_id) for message_id in ids}


async def read_until(
    broker: str, topic: str, event_type: str, field: str, wanted: set[str]
) -> list[dict[str, Any]]:
    """The events of `event_type` on `topic` whose `field` is one of `wanted`, once each
    value has been seen."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: dict[str, dict[str, Any]] = {}
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while set(found) != wanted:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        event = json.loads(record.value)
                        if event["type"] == event_type and event.get(field) in wanted:
                            found.setdefault(event[field], event)
    finally:
        await consumer.stop()
    return list(found.values())

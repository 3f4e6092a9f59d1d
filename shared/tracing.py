"""Distributed tracing with OpenTelemetry (issue 13, item 2).

On only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set:
spans are then exported by OTLP over HTTP in batches. Off, every helper here is one check of
a module global, and the API's no-op tracer is all that remains.

One message's trace: the gateway's server span, its client span to the service and the
service's server span (W3C `traceparent` on the HTTP request); then each event carries the
`traceparent` of the span it was staged in (shared.outbox, also sent as a Kafka header), and
a consumer's span for an event is that span's child (shared.inbox), and so on downstream.
"""

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# Probes and scrapes every few seconds would bury the traces worth reading.
_UNTRACED_PATHS = r"/healthz$,/readyz$,/metrics$"

_provider: TracerProvider | None = None
_tracer: trace.Tracer = trace.NoOpTracer()
_propagator = TraceContextTextMapPropagator()
# The consumer spans of the events a batched handler is handling, by event id: what
# `traceparent_for(cause)` finds, so each event it stages continues its own cause's trace.
_event_spans: ContextVar[Mapping[UUID, Span] | None] = ContextVar("event_spans", default=None)


def configure_tracing(service_name: str) -> bool:
    """Exports this process's spans by OTLP when an endpoint is configured; returns whether
    tracing is on. `OTEL_SERVICE_NAME`, when set, names the service instead."""
    if _provider is not None:
        return True  # a second app in one process (tests): keep the first provider
    if not any(os.environ.get(name) for name in _ENDPOINT_VARIABLES):
        return False
    # Imported only when used: the exporter pulls in protobuf and requests.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    # Global too, so that a library instrumented on its own reports to the same place.
    trace.set_tracer_provider(provider)
    enable(provider)
    return True


def enable(provider: TracerProvider) -> None:
    """Trace with `provider` (configure_tracing's, or a test's in-memory one)."""
    global _provider, _tracer
    _provider = provider
    _tracer = provider.get_tracer("smsgw")


def disable() -> None:
    global _provider, _tracer
    _provider = None
    _tracer = trace.NoOpTracer()


def enabled() -> bool:
    return _provider is not None


def tracer() -> trace.Tracer:
    return _tracer


def instrument_app(app: Any, route: Callable[[str], str | None] | None = None) -> None:
    """Server spans for a FastAPI app's requests, children of the caller's `traceparent`.
    `route` names a path's route where the app's own routing can't (the gateway's one
    catch-all route): bounded names, never a path with ids in it."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    def on_request(span: Span, scope: dict[str, Any]) -> None:
        _drop_query(span)
        if route is not None and (name := route(scope.get("path", ""))) is not None:
            span.update_name(f"{scope.get('method', '')} {name}")
            span.set_attribute("http.route", name)

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=_UNTRACED_PATHS,
        server_request_hook=on_request,
        # A span per ASGI message would be one per chunk of every streamed body.
        exclude_spans=["receive", "send"],
    )


def instrument_client(client: Any) -> None:
    """Client spans for an httpx client's requests, and `traceparent` on each of them."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    async def drop_query(span: Span, request: Any) -> None:
        _drop_query(span)

    HTTPXClientInstrumentor.instrument_client(
        client, tracer_provider=_provider, request_hook=drop_query
    )


# Where the instrumentations write a request's URL (older and current conventions).
_URL_ATTRIBUTES = ("http.url", "http.target", "url.full")


def _drop_query(span: Span, *_: Any) -> None:
    """Query strings may carry phone numbers (`?to=+447...`), which must not leave the
    platform in a span any more than in a log line (R19): the URL is kept without it."""
    attributes = getattr(span, "attributes", None)  # the SDK's span; the API's has none
    if not attributes:
        return
    for name in _URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(name, value.split("?", 1)[0])
    if "url.query" in attributes:
        span.set_attribute("url.query", "")


def traceparent_for(cause_id: UUID | None = None) -> str | None:
    """The W3C traceparent an event staged now carries: that of the consumer span of the
    event `cause_id` when a batched handler is handling it, else the current span's."""
    if _provider is None:
        return None
    context = None
    spans = _event_spans.get()
    if cause_id is not None and spans and (cause := spans.get(cause_id)) is not None:
        context = trace.set_span_in_context(cause)
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=context)
    return carrier.get("traceparent")


def _parent(traceparent: str | None) -> Context | None:
    if traceparent is None:
        return None
    return _propagator.extract({"traceparent": traceparent})


def _consumer_attributes(consumer: str, event: Any) -> dict[str, str]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": event.topic,
        "messaging.consumer.group.name": consumer,
        "messaging.message.id": str(event.event_id),
        "smsgw.event.type": event.type,
    }


@contextmanager
def consuming_one(consumer: str, event: Any) -> Iterator[None]:
    """A CONSUMER span, current, while one event is handled: child of the span that staged
    the event, so the handler's logs and the events it stages join the event's trace."""
    with _tracer.start_as_current_span(
        f"{event.type} process",
        context=_parent(event.traceparent),
        kind=SpanKind.CONSUMER,
        attributes=_consumer_attributes(consumer, event),
    ):
        yield


@contextmanager
def consuming_many(consumer: str, events: list[Any]) -> Iterator[None]:
    """While a batched handler handles `events`: a CONSUMER span per event, each the child
    of the span that staged it (so every message's own trace shows this step), and a
    current span for the whole run, linked to them, for what the handler does at once."""
    spans = {
        event.event_id: _tracer.start_span(
            f"{event.type} process",
            context=_parent(event.traceparent),
            kind=SpanKind.CONSUMER,
            attributes=_consumer_attributes(consumer, event),
        )
        for event in events
    }
    links = [trace.Link(span.get_span_context()) for span in spans.values()]
    token = _event_spans.set(spans)
    try:
        with _tracer.start_as_current_span(
            f"{events[0].type} process {len(events)}",
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={"messaging.batch.message_count": len(events)},
        ):
            yield
    except Exception as exc:
        for event_span in spans.values():
            event_span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
        raise
    finally:
        _event_spans.reset(token)
        for event_span in spans.values():
            event_span.end()


@contextmanager
def handling(event: Any) -> Iterator[None]:
    """For a batched handler that deals with its events one at a time in places: while it
    deals with `event`, that event's consumer span is current, so the lines it logs and the
    events it stages (however deep) join the event's trace. Nothing when tracing is off."""
    spans = _event_spans.get()
    event_span = spans.get(event.event_id) if spans else None
    if event_span is None:
        yield
        return
    with trace.use_span(event_span, end_on_exit=False):
        yield


@contextmanager
def span(name: str, **attributes: str | int) -> Iterator[None]:
    """An internal span around a step of a worker (the SMPP connector's batches)."""
    if _provider is None:
        yield
        return
    with _tracer.start_as_current_span(name, attributes=attributes):
        yield

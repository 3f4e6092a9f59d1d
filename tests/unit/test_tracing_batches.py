"""A batched handler handles many events at once, yet each event's handling belongs to its
own trace (issue 13 item 2): a consumer span per event, child of the span that staged it,
and what the handler stages for an event joins that event's trace, not the batch's."""

from collections.abc import Iterator
from uuid import uuid4

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared import tracing
from shared.events import MessageAccepted


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    yield exporter
    tracing.disable()


def published(name: str) -> tuple[MessageAccepted, ReadableSpan]:
    """An event as a request staged it: with that request span's traceparent."""
    with tracing.tracer().start_as_current_span(name) as request:
        event = MessageAccepted(
            account_id=uuid4(),
            message_id=uuid4(),
            to="+447700900123",
            sender="Acme",
            encoding="gsm7",
            segments=1,
            traceparent=tracing.traceparent_for(),
        )
    assert isinstance(request, ReadableSpan)
    return event, request


def handled(spans: InMemorySpanExporter, event: MessageAccepted) -> ReadableSpan:
    (span,) = [
        s
        for s in spans.get_finished_spans()
        if s.kind == SpanKind.CONSUMER
        and s.attributes
        and s.attributes.get("messaging.message.id") == str(event.event_id)
    ]
    return span


def trace_and_parent(traceparent: str | None) -> tuple[int, int]:
    assert traceparent is not None
    _, trace_id, parent_id, _ = traceparent.split("-")
    return int(trace_id, 16), int(parent_id, 16)


def test_each_event_of_a_run_is_handled_and_answered_in_its_own_trace(
    spans: InMemorySpanExporter,
) -> None:
    (first, first_request), (second, second_request) = published("a"), published("b")
    with tracing.consuming_many("billing", [first, second]):
        answer_to_first = tracing.traceparent_for(first.event_id)  # add_event(cause=first)
        with tracing.handling(second):  # deep inside, for the second event
            answer_to_second = tracing.traceparent_for()
        for_the_run = tracing.traceparent_for()

    for event, request, answer in (
        (first, first_request, answer_to_first),
        (second, second_request, answer_to_second),
    ):
        span = handled(spans, event)
        assert span.parent is not None
        assert span.parent.span_id == request.context.span_id
        assert span.context.trace_id == request.context.trace_id
        assert trace_and_parent(answer) == (request.context.trace_id, span.context.span_id)
    (run,) = [s for s in spans.get_finished_spans() if s.name == "message.accepted process 2"]
    assert trace_and_parent(for_the_run) == (run.context.trace_id, run.context.span_id)
    assert {link.context.span_id for link in run.links} == {
        handled(spans, first).context.span_id,
        handled(spans, second).context.span_id,
    }


def test_a_run_that_fails_marks_each_of_its_events_spans_failed(
    spans: InMemorySpanExporter,
) -> None:
    (first, _), (second, _) = published("a"), published("b")
    with pytest.raises(RuntimeError), tracing.consuming_many("billing", [first, second]):
        raise RuntimeError("database said no")
    assert handled(spans, first).status.status_code == StatusCode.ERROR
    assert handled(spans, second).status.status_code == StatusCode.ERROR

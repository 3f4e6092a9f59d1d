"""Log lines name the trace they were written in (issue 13 item 3): a JSON line logged
inside a span has its trace and span ids, as tracing backends show them."""

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider

from shared import tracing
from shared.logging import configure_logging


@pytest.fixture
def traced() -> Iterator[None]:
    tracing.enable(TracerProvider())
    yield
    tracing.disable()


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_a_line_inside_a_span_has_its_trace_and_span_id_and_one_outside_has_none(
    traced: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("test", "INFO", "json")
    log = logging.getLogger("test.tracing")
    try:
        with tracing.tracer().start_as_current_span("work") as span:
            log.info("inside")
        log.info("outside")
    finally:
        configure_logging("test", "INFO", "text")
    inside, outside = _lines(capsys)
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert "trace_id" not in outside
    assert "span_id" not in outside

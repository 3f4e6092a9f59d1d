"""Tracing is on exactly when an OTLP endpoint is configured (issue 13 item 2): a process
then sends its spans to the collector by OTLP/HTTP, named after itself; without one it
installs nothing. Each case is a fresh interpreter, as a service process starts."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from shared.tracing import configure_tracing, tracer
print(configure_tracing("billing"))
with tracer().start_as_current_span("probe span"):
    pass
"""


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, str, bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run(**env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    environment |= {"PYTHONPATH": str(ROOT), **env}
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return finished.stdout.strip()


def test_with_an_endpoint_spans_go_to_the_collector_under_the_service_name(
    collector: Collector,
) -> None:
    assert run(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url) == "True"
    # The batch is sent when the process exits (the provider flushes at exit).
    ((path, content_type, body),) = collector.received
    assert path == "/v1/traces"
    assert content_type == "application/x-protobuf"
    assert b"probe span" in body
    assert b"billing" in body


def test_otel_service_name_overrides_the_process_name(collector: Collector) -> None:
    run(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url, OTEL_SERVICE_NAME="billing-eu")
    ((_, _, body),) = collector.received
    assert b"billing-eu" in body


def test_without_an_endpoint_tracing_stays_off() -> None:
    assert run() == "False"

"""The gateway's metrics: per public route prefix (the proxy is one catch-all route, so
its template says nothing), on their own port."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import start_http_server
from starlette.types import Scope

from gateway.config import GatewaySettings
from gateway.routes import matched_prefix
from shared.metrics.http import UNMATCHED, route_template

log = logging.getLogger(__name__)

_PROXY_TEMPLATE = "/{path:path}"


def route_label(scope: Scope) -> str:
    template = route_template(scope)
    if template != _PROXY_TEMPLATE:
        return template  # the gateway's own: /docs, /openapi.json, or unmatched
    return matched_prefix(scope["path"]) or UNMATCHED


@contextmanager
def metrics_server(settings: GatewaySettings) -> Iterator[None]:
    if not settings.metrics_port:
        yield
        return
    try:
        server, thread = start_http_server(settings.metrics_port, settings.metrics_host)
    except OSError as exc:
        # With GATEWAY_WORKERS > 1 the first worker holds the port; the others' figures
        # would need prometheus-client's multiprocess mode, which the cluster avoids by
        # running one worker per pod.
        log.warning("metrics port %s not served by this worker: %s", settings.metrics_port, exc)
        yield
        return
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=5)

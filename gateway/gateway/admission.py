"""Load shedding at the edge: past `max_in_flight` requests being served at once, a request
is answered `503 overloaded` with Retry-After at once, before any token check, rate-limit
lookup, activity record or upstream call.

Why here and not in a service: measured in stop 23 (docs/performance.md), under twice the
load the platform serves, the queue forms in front of the gateway's forwarding, so a limit
in dispatch never saw it. A queue without bound gives every client a wait of many seconds
and still serves no more; refusing the excess keeps the accepted requests fast and tells the
others when to come back, as Twilio's and every carrier-grade edge's 503/429 do.

Counted per process: each gateway replica (and uvicorn worker) sheds by its own load, which
is what a replica can know without asking anyone.
"""

from collections.abc import Collection
from typing import Any

from prometheus_client import Counter, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import integer_header_doc, problem_response, problem_response_doc

IN_FLIGHT = Gauge("gateway_requests_in_flight", "Requests the gateway is serving now")
SHED = Counter(
    "gateway_requests_shed_total", "Requests refused with 503 overloaded at the gateway's limit"
)


class InFlightLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_in_flight: int,
        retry_after_seconds: int,
        exempt_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.max_in_flight = max_in_flight  # 0: no limit
        self.retry_after = str(retry_after_seconds)
        # Probes must answer under load, or the orchestrator restarts a busy replica.
        self.exempt_paths = frozenset(exempt_paths)
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        if self.max_in_flight and self.in_flight >= self.max_in_flight:
            SHED.inc()
            refusal = problem_response(
                503,
                "overloaded",
                "Overloaded",
                "The platform is at capacity; retry after the seconds in Retry-After",
                scope["path"],
                headers={"Retry-After": self.retry_after},
            )
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            IN_FLIGHT.dec()


def document_overload(responses: dict[str, Any]) -> None:
    """Adds the gateway's 503 `overloaded` to an operation's documented responses, keeping
    a service's own words about its 503."""
    unavailable = responses.setdefault("503", problem_response_doc(503))
    unavailable["description"] = (
        f"{unavailable['description']}; or `overloaded`: the gateway is at capacity, "
        "retry after `Retry-After` seconds"
    )
    unavailable["headers"] = {
        "Retry-After": integer_header_doc("Seconds to wait before retrying (on `overloaded`)"),
        **unavailable.get("headers", {}),
    }

"""One named SMSC connection as the connector runs it: its binds, the parts claimed for it,
its circuit breaker and the last error it saw."""

import asyncio
import math
import ssl
from collections.abc import Callable
from datetime import UTC, datetime

from dispatch_service.messages.repository import PartToSend
from dispatch_service.smpp.bind import Bind
from dispatch_service.smsc.circuit import Circuit
from dispatch_service.smsc.config import SmscConnection


class Link:
    def __init__(
        self,
        connection: SmscConnection,
        on_change: Callable[[], None],
        failures_to_open: int,
        open_seconds: float,
    ) -> None:
        self.connection = connection
        self.name = connection.name
        # First: a file that won't load must fail before the binds touch their link's
        # metrics (a reload refused for it leaves the running link's gauges as they are).
        self.tls = tls_context(connection) if connection.tls else None
        self.binds = [
            Bind(number, connection.tps, on_change, connection.name)
            for number in range(1, connection.binds + 1)
        ]
        self.ready: asyncio.Queue[PartToSend] = asyncio.Queue()
        self.circuit = Circuit(failures_to_open, open_seconds)
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        # Parts kept claimed in memory for it: enough to fill every window many times over,
        # but no more than about a second's worth at a contracted rate, because each was
        # counted as an attempt and would show as resent after a crash.
        per_bind = connection.window * 20
        if connection.tps is not None:
            per_bind = max(connection.window, min(per_bind, math.ceil(connection.tps)))
        self.queue_target = per_bind * connection.binds

    @property
    def smsc(self) -> str:
        return f"{self.connection.host}:{self.connection.port}"

    @property
    def is_bound(self) -> bool:
        return any(bind.is_bound for bind in self.binds)

    def routable(self) -> bool:
        """May a part be routed here now? Bound, and its circuit lets parts through."""
        return self.is_bound and self.circuit.routable()

    def error(self, what: str) -> None:
        self.last_error = what
        self.last_error_at = datetime.now(UTC)

    def failed(self, what: str) -> None:
        self.error(what)
        self.circuit.failed()


def tls_context(connection: SmscConnection) -> ssl.SSLContext:
    context = ssl.create_default_context(
        cafile=None if connection.tls_ca_file is None else str(connection.tls_ca_file)
    )
    if connection.tls_cert_file is not None:
        context.load_cert_chain(
            str(connection.tls_cert_file),
            None if connection.tls_key_file is None else str(connection.tls_key_file),
        )
    return context

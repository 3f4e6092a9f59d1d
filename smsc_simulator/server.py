"""The SMSC simulator: an asyncio SMPP 3.4 server with test/dev controls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from typing import Any

from smpplib.command import Command

from .codec import encode, text_field
from .config import SimulatorConfig
from .control import ControlServer
from .faults import FaultRequest, Faults
from .journal import Journal, SubmitRecord
from .messages import Concatenation, SubmittedMessage, mo_fields, mo_part_fields, record_submit
from .receipts import ReceiptDesk
from .session import Session

logger = logging.getLogger(__name__)


class SmscSimulator:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.submitted: list[SubmittedMessage] = []  # accepted submits, in order
        self.journal = Journal()
        self.faults = Faults(self.config)
        self.receipts = ReceiptDesk(self)
        self.port = 0
        self.control: ControlServer | None = None
        self._server: asyncio.Server | None = None
        self._sessions: list[Session] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._silence_end: asyncio.TimerHandle | None = None
        self._next_session = 1
        first = self.config.first_message_id
        # Microseconds since the epoch: a restart starts above every id the previous run issued
        # unless that run averaged more than one submit per microsecond, far beyond this server.
        self._next_id = first if first is not None else time.time_ns() // 1000

    @property
    def bound_sessions(self) -> int:
        return sum(1 for s in self._sessions if s.mode is not None and s.alive)

    @property
    def pending_receipts(self) -> int:
        return self.receipts.pending

    @property
    def receipts_sent(self) -> int:
        return self.journal.receipts_sent

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connect, self.config.host, self.config.port, ssl=self._tls_context()
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("SMSC simulator listening on %s:%d", self.config.host, self.port)
        if self.config.control_port is not None:
            self.control = ControlServer(self)
            await self.control.start("127.0.0.1", self.config.control_port)

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.tls_cert_file is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.tls_cert_file, self.config.tls_key_file)
        if self.config.tls_client_ca_file is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.config.tls_client_ca_file)
        return context

    @property
    def control_port(self) -> int | None:
        return None if self.control is None else self.control.port

    async def stop(self) -> None:
        if self.control is not None:
            await self.control.stop()
            self.control = None
        if self._server is not None:
            self._server.close()
        if self._silence_end is not None:
            self._silence_end.cancel()
        self.receipts.stop()
        await self.drop_connections()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def drop_connections(self) -> None:
        """Abort every ESME connection without unbind, as a network cut would."""
        for session in list(self._sessions):
            session.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)

    async def apply_faults(self, request: FaultRequest) -> dict[str, Any]:
        self.faults.apply(request)
        if self._silence_end is not None:
            self._silence_end.cancel()
        remaining = self.faults.silence_remaining()
        # Receipts held back by a silence go out when it ends (or at once if it was cleared).
        self._silence_end = asyncio.get_running_loop().call_later(remaining, self.receipts.flush)
        if request.drop_connections:
            self.journal.drops_injected += 1
            await self.drop_connections()
        return self.faults.snapshot()

    def stats(self) -> dict[str, Any]:
        journal = self.journal
        return {
            "submits": len(journal.submits),
            "submits_accepted": len(self.submitted),
            "submits_unanswered": sum(1 for r in journal.submits if r.status is None),
            "responses_by_status": {
                str(k): v for k, v in sorted(journal.responses_by_status.items())
            },
            "receipts_sent": journal.receipts_sent,
            "receipts_acked": journal.receipts_acked,
            "receipts_redelivered": journal.receipts_redelivered,
            "receipts_nacked": journal.receipts_nacked,
            "receipts_pending": self.receipts.pending,  # not yet acknowledged
            "receipts_held": self.receipts.held,  # waiting for a receiver or a silence's end
            "sessions_bound": self.bound_sessions,
            "connections_open": sum(1 for s in self._sessions if s.alive),
            "connections_accepted": journal.connections_accepted,
            "connections_dropped": journal.connections_dropped,
            "drops_injected": journal.drops_injected,
            "generic_nacks": journal.generic_nacks,
        }

    async def inject_mo(
        self,
        source: str,
        destination: str,
        text: str,
        concatenation: Concatenation | None = None,
        reference: int = 1,
        skip_parts: frozenset[int] = frozenset(),
        reverse: bool = False,
    ) -> int:
        """Sends a handset's SMS to a bound receiver, whole or in parts (`skip_parts`, by
        1-based number, are never sent: a part the network lost); the number of parts."""
        target = next((s for s in self._sessions if s.can_receive), None)
        if target is None:
            raise RuntimeError("no receiver or transceiver session is bound")
        if concatenation is None:
            parts = [mo_fields(source, destination, text)]
        else:
            parts = mo_part_fields(source, destination, text, concatenation, reference)
        numbered = list(enumerate(parts, 1))
        for number, fields in reversed(numbered) if reverse else numbered:
            if number not in skip_parts:
                target.send(encode("deliver_sm", target.counter, **fields))
        await target.writer.drain()
        return len(parts)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Small PDUs must not wait for Nagle when the client pipelines one at a time.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = Session(self, reader, writer, self._next_session)
        self._next_session += 1
        self.journal.connections_accepted += 1
        self._sessions.append(session)
        try:
            await session.run()
        finally:
            self._tasks.discard(task)

    def _closed(self, session: Session, unbound: bool) -> None:
        with contextlib.suppress(ValueError):
            self._sessions.remove(session)
        if not unbound:
            self.journal.connections_dropped += 1
        self.receipts.session_closed(session)

    def _on_bound(self, session: Session) -> None:
        # Keep bound sessions in bind order so "first bound receiver" means what it says.
        with contextlib.suppress(ValueError):
            self._sessions.remove(session)
        self._sessions.append(session)
        if session.can_receive:
            self.receipts.flush(session.system_id)

    def _accept_submit(self, pdu: Command, session: Session) -> SubmittedMessage:
        number = self._next_id
        self._next_id += 1
        message_id = str(number) if self.config.message_id_format == "decimal" else f"{number:08X}"
        outcome = self.config.outcome_for(text_field(pdu.destination_addr))
        msg = record_submit(pdu, message_id, number, session.system_id, outcome)
        self.submitted.append(msg)
        return msg

    def receiver_for(self, system_id: str, window: int | None = None) -> Session | None:
        """The first bound receiver/transceiver of that account (with room in its window)."""
        for session in self._sessions:
            if not session.can_receive or session.system_id != system_id:
                continue
            if window is None or len(session.outstanding) < window:
                return session
        return None

    def record(self, pdu: Command, session: Session) -> SubmitRecord:
        return self.journal.record_submit(pdu, session.id, session.system_id)

"""The SMSC simulator: an asyncio SMPP 3.4 server with test/dev controls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time

from smpplib.command import Command

from .codec import encode, text_field
from .config import SimulatorConfig
from .messages import SubmittedMessage, mo_fields, receipt_fields, record_submit
from .session import Session

logger = logging.getLogger(__name__)


class SmscSimulator:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.submitted: list[SubmittedMessage] = []
        self.receipts_sent = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._sessions: list[Session] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        # Receipts due while no receiver is bound wait here, as on a store-and-forward SMSC.
        self._undelivered_receipts: list[SubmittedMessage] = []
        first = self.config.first_message_id
        self._next_id = first if first is not None else time.time_ns() // 1000

    @property
    def bound_sessions(self) -> int:
        return sum(1 for s in self._sessions if s.mode is not None and s.alive)

    @property
    def pending_receipts(self) -> int:
        return len(self._timers) + len(self._undelivered_receipts)

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_connect, self.config.host, self.config.port
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("SMSC simulator listening on %s:%d", self.config.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        await self.drop_connections()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def drop_connections(self) -> None:
        for session in list(self._sessions):
            session.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)

    async def inject_mo(self, source: str, destination: str, text: str) -> None:
        target = next((s for s in self._sessions if s.can_receive), None)
        if target is None:
            raise RuntimeError("no receiver or transceiver session is bound")
        target.send(encode("deliver_sm", target.counter, **mo_fields(source, destination, text)))
        await target.writer.drain()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Small PDUs must not wait for Nagle when the client pipelines one at a time.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = Session(self, reader, writer)
        self._sessions.append(session)
        try:
            await session.run()
        finally:
            self._tasks.discard(task)

    def _forget(self, session: Session) -> None:
        with contextlib.suppress(ValueError):
            self._sessions.remove(session)

    def _on_bound(self, session: Session) -> None:
        # Keep bound sessions in bind order so "first bound receiver" means what it says.
        self._forget(session)
        self._sessions.append(session)
        if session.can_receive and self._undelivered_receipts:
            waiting, self._undelivered_receipts = self._undelivered_receipts, []
            for msg in waiting:
                self._send_receipt(msg, session)

    def _accept_submit(self, pdu: Command, session: Session) -> SubmittedMessage:
        number = self._next_id
        self._next_id += 1
        message_id = str(number) if self.config.message_id_format == "decimal" else f"{number:08X}"
        outcome = self.config.outcome_for(text_field(pdu.destination_addr))
        msg = record_submit(pdu, message_id, number, session.system_id, outcome)
        self.submitted.append(msg)
        return msg

    def _schedule_receipt(self, msg: SubmittedMessage, origin: Session) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self._send_receipt(msg, origin)

        handle = loop.call_later(self.config.receipt_delay, fire)
        self._timers.add(handle)

    def _send_receipt(self, msg: SubmittedMessage, origin: Session) -> None:
        # A transmitter-only bind cannot take deliver_sm: route to a receiver of the same account.
        target = origin if origin.can_receive else self._receiver_for(msg.system_id)
        if target is None:
            self._undelivered_receipts.append(msg)
            return
        receipt_id = msg.message_id
        if self.config.receipt_id_format == "decimal":
            receipt_id = str(msg.id_number)
        fields = receipt_fields(msg, receipt_id, self.config.receipt_tlvs)
        if target.send(encode("deliver_sm", target.counter, **fields)):
            self.receipts_sent += 1
        else:
            self._undelivered_receipts.append(msg)

    def _receiver_for(self, system_id: str) -> Session | None:
        for session in self._sessions:
            if session.can_receive and session.system_id == system_id:
                return session
        return None

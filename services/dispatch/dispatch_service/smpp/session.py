"""One bound SMPP transceiver session with a window of outstanding submit_sm.

Jasmin-style connectors wait for each submit_sm_resp before the next submit_sm; over a
few milliseconds of SMSC latency that caps throughput at a few hundred messages a second.
Here up to `window` requests are in flight at once, matched to responses by sequence
number, and Nagle's algorithm is off so small PDUs leave immediately.
"""

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import Awaitable, Callable

from smpplib import consts
from smpplib.command import Command

from dispatch_service.smpp.wire import (
    MalformedPdu,
    SequenceCounter,
    read_pdu,
    request,
    response,
)

log = logging.getLogger(__name__)

# Requests the SMSC sends us that carry a message: receipts and mobile-originated SMS.
INBOUND_MESSAGES = frozenset({"deliver_sm", "data_sm"})
# Called with the session the PDU arrived on, so the handler can answer on that very
# session even before `open` has returned it (an SMSC flushes held receipts right after bind).
DeliverHandler = Callable[["SmppSession", Command], Awaitable[None]]


class SessionClosed(ConnectionError):
    pass


class ResponseTimeout(TimeoutError):
    """The SMSC didn't answer a request in time; it may still have acted on it."""


class UnreadableResponse(ConnectionError):
    """The SMSC answered with a response we can't decode; it may have accepted the request."""


class BindFailed(ConnectionError):
    pass


class SmppSession:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        window: int,
        on_deliver: DeliverHandler,
        enquire_link_seconds: float,
        response_timeout: float = 10.0,
        max_timeouts_in_a_row: int = 3,
        on_enquire_link_answered: Callable[[float], None] = lambda _seconds: None,
    ) -> None:
        self._on_enquire_link_answered = on_enquire_link_answered
        self._reader = reader
        self._writer = writer
        self._window = asyncio.Semaphore(window)
        self._on_deliver = on_deliver
        self._enquire_every = enquire_link_seconds
        self._sequences = SequenceCounter()
        self._pending: dict[int, asyncio.Future[Command]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.closed = asyncio.Event()
        self._unbinding = False
        self._response_timeout = response_timeout
        self._max_timeouts_in_a_row = max_timeouts_in_a_row
        self._timeouts_in_a_row = 0

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        system_id: str,
        password: str,
        window: int,
        on_deliver: DeliverHandler,
        enquire_link_seconds: float = 30.0,
        response_timeout: float = 10.0,
        max_timeouts_in_a_row: int = 3,
        on_enquire_link_answered: Callable[[float], None] = lambda _seconds: None,
        tls: ssl.SSLContext | None = None,
    ) -> "SmppSession":
        # With `tls`, the TLS handshake (and the SMSC certificate's check against the host
        # name) happens inside the same 10 s as the TCP connect: a plaintext server that never
        # answers the ClientHello fails the bind like an unreachable one.
        connecting = (
            asyncio.open_connection(host, port)
            if tls is None
            else asyncio.open_connection(host, port, ssl=tls, ssl_handshake_timeout=10)
        )
        reader, writer = await asyncio.wait_for(connecting, 10)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = cls(
            reader,
            writer,
            window,
            on_deliver,
            enquire_link_seconds,
            response_timeout,
            max_timeouts_in_a_row,
            on_enquire_link_answered,
        )
        session._tasks.append(asyncio.create_task(session._read_loop(), name="smpp-reader"))
        try:
            bind = request(
                "bind_transceiver",
                session._sequences,
                system_id=system_id,
                password=password,
                interface_version=0x34,
            )
            resp = await asyncio.wait_for(session.send_request(bind), 10)
            if resp.status != consts.SMPP_ESME_ROK:
                raise BindFailed(f"bind refused with status {resp.status:#x}")
        except BaseException:
            await session.close()
            raise
        session._tasks.append(asyncio.create_task(session._enquire_loop(), name="smpp-enquire"))
        return session

    async def start_submit(self, **fields: object) -> "asyncio.Future[Command]":
        """Send one submit_sm as soon as the window has room, without waiting for its
        response; the returned future resolves to the submit_sm_resp (or a generic_nack),
        or fails with ResponseTimeout, UnreadableResponse or SessionClosed."""
        await self.reserve()
        return self.submit_reserved(**fields)

    @property
    def closing(self) -> bool:
        """Closed, or its socket is going: the reader sets `closed` only once it runs."""
        return self.closed.is_set() or self._writer.is_closing()

    async def reserve(self) -> None:
        """Waits for a free slot in the window and holds it for `submit_reserved` (or gives
        it back with `unreserve`): a connector with several binds takes a part off its
        shared queue only once a bind can send it at once."""
        await self._window.acquire()
        if self.closed.is_set() or self._writer.is_closing():
            self._window.release()
            raise SessionClosed("SMPP session is closed")

    def unreserve(self) -> None:
        self._window.release()

    def submit_reserved(self, **fields: object) -> "asyncio.Future[Command]":
        """`start_submit` in a slot taken by `reserve`; on SessionClosed the slot is free."""
        if self.closed.is_set() or self._writer.is_closing():
            self._window.release()
            raise SessionClosed("SMPP session is closed")
        pdu = request("submit_sm", self._sequences, **fields)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Command] = loop.create_future()
        self._pending[pdu.sequence] = future
        # Without a deadline an SMSC that swallows requests would hold window slots forever
        # and sending would stop for good.
        deadline = loop.call_later(self._response_timeout, self._expire, pdu.sequence, future)
        future.add_done_callback(lambda _: self._release(pdu.sequence, deadline))
        self._write(pdu)
        return future

    def _release(self, sequence: int, deadline: asyncio.TimerHandle) -> None:
        deadline.cancel()
        self._pending.pop(sequence, None)
        self._window.release()

    def _expire(self, sequence: int, future: "asyncio.Future[Command]") -> None:
        if future.done():
            return
        future.set_exception(ResponseTimeout(f"no response to sequence {sequence}"))
        self._timeouts_in_a_row += 1
        if self._timeouts_in_a_row >= self._max_timeouts_in_a_row and not self.closed.is_set():
            # The link is up as far as TCP knows but the SMSC no longer answers: a fresh
            # bind is the only cure.
            log.warning(
                "%d submit_sm in a row unanswered; dropping the SMPP session",
                self._timeouts_in_a_row,
            )
            self._drop()

    def _drop(self) -> None:
        # Closed at once, not when the reader notices: a submit written in between would
        # vanish with the socket yet count as sent.
        self._writer.transport.abort()
        self._fail_pending()

    async def send_request(self, pdu: Command) -> Command:
        if self.closed.is_set():
            raise SessionClosed("SMPP session is closed")
        future: asyncio.Future[Command] = asyncio.get_running_loop().create_future()
        self._pending[pdu.sequence] = future
        self._write(pdu)
        try:
            return await future
        finally:
            self._pending.pop(pdu.sequence, None)

    def respond(self, name: str, sequence: int, **fields: object) -> None:
        if not self.closed.is_set():
            self._write(response(name, sequence, self._sequences, **fields))

    def _write(self, pdu: Command) -> None:
        self._writer.write(pdu.generate())

    async def _read_loop(self) -> None:
        try:
            while True:
                try:
                    pdu = await read_pdu(self._reader, self._sequences)
                except MalformedPdu as exc:
                    # The frame was whole, so the stream is still in step: refuse this one
                    # PDU and carry on rather than dropping every request in flight.
                    self._on_malformed(exc)
                    continue
                if pdu.is_response():
                    self._on_response(pdu)
                elif pdu.command in INBOUND_MESSAGES:
                    # The handler answers *_resp once the PDU is safely stored.
                    await self._on_deliver(self, pdu)
                elif pdu.command == "enquire_link":
                    self.respond("enquire_link_resp", pdu.sequence)
                elif pdu.command == "unbind":
                    self.respond("unbind_resp", pdu.sequence)
                    break
                else:
                    self.respond("generic_nack", pdu.sequence, status=consts.SMPP_ESME_RINVCMDID)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            if self._unbinding:
                log.info("SMPP session closed after unbind")
            else:
                log.warning("SMPP connection lost: %s", exc)
        except Exception:
            # Includes wire.ProtocolError: the framing is lost, only a new connection helps.
            log.exception("SMPP reader failed; dropping the session")
        finally:
            self._fail_pending()

    def _on_response(self, pdu: Command) -> None:
        future = self._pending.get(pdu.sequence)
        if future is None or future.done():
            # Typically the answer to a request we already gave up on (timed out); that
            # part has been queued again, so there is nothing left to resolve.
            log.warning(
                "SMSC sent %s for unknown sequence %d (status %#x); ignored",
                pdu.command,
                pdu.sequence,
                pdu.status,
            )
            return
        self._timeouts_in_a_row = 0
        # A generic_nack resolves the request too: the caller sees the nack as a refusal.
        future.set_result(pdu)

    def _on_malformed(self, exc: MalformedPdu) -> None:
        log.warning("malformed PDU from the SMSC: %s", exc)
        if exc.is_response:
            future = self._pending.get(exc.sequence)
            if future is not None and not future.done():
                self._timeouts_in_a_row = 0
                future.set_exception(UnreadableResponse(str(exc)))
            return  # a response is never nacked
        status = consts.SMPP_ESME_RINVCMDID if exc.unknown_command else consts.SMPP_ESME_RINVCMDLEN
        self.respond("generic_nack", exc.sequence, status=status)

    async def _enquire_loop(self) -> None:
        while not self.closed.is_set():
            await asyncio.sleep(self._enquire_every)
            started = time.perf_counter()
            try:
                await asyncio.wait_for(
                    self.send_request(request("enquire_link", self._sequences)), 10
                )
                self._on_enquire_link_answered(time.perf_counter() - started)
            except (TimeoutError, SessionClosed):
                log.warning("enquire_link unanswered; dropping the session")
                self._writer.close()
                return

    def _fail_pending(self) -> None:
        self.closed.set()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(SessionClosed("connection lost before the response"))
        self._pending.clear()
        self._writer.close()

    async def close(self) -> None:
        if not self.closed.is_set():
            self._unbinding = True  # the SMSC closes the socket after unbind_resp
            try:
                await asyncio.wait_for(self.send_request(request("unbind", self._sequences)), 2)
            except (TimeoutError, ConnectionError, OSError):
                pass
        self._fail_pending()
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

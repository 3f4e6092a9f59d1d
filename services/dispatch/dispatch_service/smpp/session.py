"""One bound SMPP transceiver session with a window of outstanding submit_sm.

Jasmin-style connectors wait for each submit_sm_resp before the next submit_sm; over a
few milliseconds of SMSC latency that caps throughput at a few hundred messages a second.
Here up to `window` requests are in flight at once, matched to responses by sequence
number, and Nagle's algorithm is off so small PDUs leave immediately.
"""

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable

from smpplib import consts
from smpplib.command import Command

from dispatch_service.smpp.wire import SequenceCounter, read_pdu, request, response

log = logging.getLogger(__name__)

DeliverHandler = Callable[[Command], Awaitable[None]]


class SessionClosed(ConnectionError):
    pass


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
    ) -> None:
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
    ) -> "SmppSession":
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = cls(reader, writer, window, on_deliver, enquire_link_seconds)
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
        response; the returned future resolves to the submit_sm_resp."""
        await self._window.acquire()
        if self.closed.is_set():
            self._window.release()
            raise SessionClosed("SMPP session is closed")
        pdu = request("submit_sm", self._sequences, **fields)
        future: asyncio.Future[Command] = asyncio.get_running_loop().create_future()
        self._pending[pdu.sequence] = future
        future.add_done_callback(lambda _: self._release(pdu.sequence))
        self._write(pdu)
        return future

    def _release(self, sequence: int) -> None:
        self._pending.pop(sequence, None)
        self._window.release()

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
                pdu = await read_pdu(self._reader, self._sequences)
                if pdu.is_response():
                    future = self._pending.get(pdu.sequence)
                    if future is not None and not future.done():
                        future.set_result(pdu)
                elif pdu.command == "deliver_sm":
                    # The handler answers deliver_sm_resp once the PDU is safely stored.
                    await self._on_deliver(pdu)
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
            log.exception("SMPP reader failed")
        finally:
            self._fail_pending()

    async def _enquire_loop(self) -> None:
        while not self.closed.is_set():
            await asyncio.sleep(self._enquire_every)
            try:
                await asyncio.wait_for(
                    self.send_request(request("enquire_link", self._sequences)), 10
                )
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

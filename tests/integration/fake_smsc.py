"""A small scriptable SMSC over real TCP for faults the simulator doesn't stage: silence,
throttling, nacks, data_sm, malformed PDUs. Tests subclass it and override the hooks."""

import asyncio
import itertools
import struct
from dataclasses import dataclass, field
from typing import Self

from smpplib import consts, smpp
from smpplib.command import Command

from dispatch_service.smpp.wire import SequenceCounter


@dataclass
class Link:
    """One accepted connection, numbered from 1 in the order they arrive."""

    number: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    sequences: SequenceCounter = field(default_factory=SequenceCounter)
    received: list[Command] = field(default_factory=list)

    def send(self, pdu: Command) -> None:
        self.writer.write(pdu.generate())

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    def request(self, name: str, **fields: object) -> Command:
        pdu: Command = smpp.make_pdu(name, client=self.sequences, **fields)
        self.send(pdu)
        return pdu

    def respond(self, name: str, sequence: int, **fields: object) -> None:
        pdu: Command = smpp.make_pdu(name, client=self.sequences, **fields)
        pdu.sequence = sequence
        self.send(pdu)

    async def wait_for(self, command: str, timeout: float = 10) -> Command:
        async with asyncio.timeout(timeout):
            while True:
                for pdu in self.received:
                    if pdu.command == command:
                        return pdu
                await asyncio.sleep(0.01)


class FakeSmsc:
    def __init__(self) -> None:
        self.links: list[Link] = []
        self.submits: list[tuple[int, Command]] = []  # (link number, submit_sm)
        self.submit_times: list[tuple[int, float]] = []  # (link number, loop time received)
        self._server: asyncio.Server | None = None
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        # Not cancelled: asyncio logs a cancelled connection handler as an error. Cut the
        # sockets and the handlers end on their own.
        for link in self.links:
            link.writer.transport.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = Link(len(self.links) + 1, reader, writer)
        self.links.append(link)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                header = await reader.readexactly(16)
                length = struct.unpack(">L", header[:4])[0]
                body = await reader.readexactly(length - 16)
                pdu = smpp.parse_pdu(header + body, client=link.sequences)
                link.received.append(pdu)
                await self.handle(link, pdu)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def handle(self, link: Link, pdu: Command) -> None:
        if pdu.command == "bind_transceiver":
            link.respond("bind_transceiver_resp", pdu.sequence, system_id="fake")
            await self.on_bound(link)
        elif pdu.command == "enquire_link":
            link.respond("enquire_link_resp", pdu.sequence)
        elif pdu.command == "unbind":
            link.respond("unbind_resp", pdu.sequence)
            link.writer.close()
        elif pdu.command == "submit_sm":
            self.submits.append((link.number, pdu))
            self.submit_times.append((link.number, asyncio.get_running_loop().time()))
            await self.on_submit(link, pdu)

    async def on_bound(self, link: Link) -> None:
        """Hook: right after the bind_transceiver_resp went out."""

    async def on_submit(self, link: Link, pdu: Command) -> None:
        """Hook: answer (or not) one submit_sm. By default accept it."""
        self.accept(link, pdu)

    def accept(self, link: Link, pdu: Command) -> str:
        message_id = f"fake_{next(self._ids)}"
        link.respond("submit_sm_resp", pdu.sequence, message_id=message_id)
        return message_id

    def refuse(self, link: Link, pdu: Command, status: int) -> None:
        link.respond("submit_sm_resp", pdu.sequence, status=status)

    async def link(self, number: int, timeout: float = 10) -> Link:
        async with asyncio.timeout(timeout):
            while len(self.links) < number:
                await asyncio.sleep(0.01)
        return self.links[number - 1]

    def destinations(self, link: int | None = None) -> list[str]:
        return [
            pdu.destination_addr.decode()
            for number, pdu in self.submits
            if link is None or number == link
        ]


ROK = consts.SMPP_ESME_ROK

"""A minimal asyncio ESME for the simulator's tests: raw bytes out, smpplib's parser in.

Raw frames let the tests send what no well-behaved client would (truncated or oversized
PDUs, garbage); replies are decoded by smpplib, a codec independent of the simulator's
own framing and layout checks.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from smpplib import smpp
from smpplib.command import Command

from smsc_simulator import SmscSimulator
from smsc_simulator.codec import SequenceCounter

TIMEOUT = 5.0  # no read below waits longer for something that should arrive


class Esme:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.counter = SequenceCounter()

    @classmethod
    async def connect(
        cls, port: int, mode: str | None = "transceiver", password: str = "secret"
    ) -> Esme:
        esme = cls(*await asyncio.open_connection("127.0.0.1", port))
        if mode is not None:
            await esme.send(f"bind_{mode}", system_id="smsgw", password=password)
            resp = await esme.read()
            assert (resp.command, resp.status) == (f"bind_{mode}_resp", 0)
        return esme

    def close(self) -> None:
        self.writer.transport.abort()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, name: str, sequence: int | None = None, **fields: Any) -> int:
        pdu = smpp.make_pdu(name, client=self.counter, **fields)
        if sequence is not None:
            pdu.sequence = sequence
        await self.send_raw(pdu.generate())
        return int(pdu.sequence)

    async def submit(self, dest: str = "447700900001", text: bytes = b"hi", rd: int = 1) -> int:
        return await self.send(
            "submit_sm",
            source_addr="SMSGW",
            destination_addr=dest,
            short_message=text,
            registered_delivery=rd,
        )

    async def ack(self, pdu: Command, status: int = 0) -> None:
        await self.send("deliver_sm_resp", sequence=pdu.sequence, status=status)

    async def read_frame(self, timeout: float = TIMEOUT) -> bytes | None:
        """One raw PDU, or None when the simulator closed the connection."""

        async def _read() -> bytes | None:
            try:
                prefix = await self.reader.readexactly(4)
                (length,) = struct.unpack(">L", prefix)
                return prefix + await self.reader.readexactly(length - 4)
            except (asyncio.IncompleteReadError, ConnectionError):
                return None

        return await asyncio.wait_for(_read(), timeout)

    async def read(self, timeout: float = TIMEOUT) -> Command:
        frame = await self.read_frame(timeout)
        assert frame is not None, "connection closed by the simulator"
        pdu: Command = smpp.parse_pdu(
            frame, client=SequenceCounter(), allow_unknown_opt_params=True
        )
        return pdu

    async def read_many(self, count: int) -> list[Command]:
        return [await self.read() for _ in range(count)]

    async def roundtrip(self) -> None:
        """An enquire_link answered: everything the simulator sent before is now read."""
        sequence = await self.send("enquire_link")
        pdu = await self.read()
        assert (pdu.command, pdu.sequence, pdu.status) == ("enquire_link_resp", sequence, 0)

    async def closed_by_peer(self) -> bool:
        return await self.read_frame() is None


@asynccontextmanager
async def esmes(port: int) -> AsyncIterator[Callable[..., Any]]:
    """Factory of connected ESMEs, all aborted at the end."""
    made: list[Esme] = []

    async def _connect(mode: str | None = "transceiver", password: str = "secret") -> Esme:
        esme = await Esme.connect(port, mode, password)
        made.append(esme)
        return esme

    try:
        yield _connect
    finally:
        for esme in made:
            esme.close()


async def wait_for(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll a condition until it holds; fail after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def control(sim: SmscSimulator) -> httpx.AsyncClient:
    assert sim.control_port is not None
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{sim.control_port}", timeout=TIMEOUT)

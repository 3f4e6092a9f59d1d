"""SMPP framing on asyncio streams, with smpplib as the PDU codec."""

import asyncio
import struct
from typing import Any

from smpplib import smpp
from smpplib.command import Command

HEADER = struct.Struct(">LLLL")
MAX_PDU_BYTES = 64 * 1024


class SequenceCounter:
    """smpplib asks its `client` for sequence numbers; this is that client, without sockets."""

    def __init__(self) -> None:
        self.sequence = 0

    def next_sequence(self) -> int:
        # SMPP sequence numbers run 1..0x7FFFFFFF and then wrap.
        self.sequence = self.sequence % 0x7FFFFFFF + 1
        return self.sequence


class ProtocolError(Exception):
    pass


async def read_pdu(reader: asyncio.StreamReader, sequences: SequenceCounter) -> Command:
    header = await reader.readexactly(4)
    (length,) = struct.unpack(">L", header)
    if not 16 <= length <= MAX_PDU_BYTES:
        raise ProtocolError(f"implausible PDU length {length}")
    body = await reader.readexactly(length - 4)
    pdu: Command = smpp.parse_pdu(header + body, client=sequences, allow_unknown_opt_params=True)
    return pdu


def request(name: str, sequences: SequenceCounter, **fields: Any) -> Command:
    pdu: Command = smpp.make_pdu(name, client=sequences, **fields)
    return pdu


def response(name: str, sequence: int, sequences: SequenceCounter, **fields: Any) -> Command:
    pdu: Command = smpp.make_pdu(name, client=sequences, **fields)
    # smpplib ignores a `sequence=` keyword on responses; a response must echo the request's.
    pdu.sequence = sequence
    return pdu


def text_field(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("latin-1") if isinstance(value, bytes) else value

"""Framing over asyncio streams; encoding/decoding is delegated to smpplib's PDU codec."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from smpplib import smpp
from smpplib.command import Command

HEADER_LEN = 16
# Anything bigger is a broken or hostile peer; the largest legal SMPP 3.4 PDU is far below this.
MAX_PDU_LEN = 64 * 1024


class FramingError(Exception):
    """The byte stream cannot be split into PDUs any more; the connection must be dropped."""


class InvalidLength(FramingError):
    """command_length is below the header size or above MAX_PDU_LEN: nack, then drop."""


class SequenceCounter:
    """The `client` object smpplib's make_pdu/parse_pdu expect (.sequence/.next_sequence())."""

    MAX = 0x7FFFFFFF

    def __init__(self) -> None:
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = 1 if self.sequence >= self.MAX else self.sequence + 1
        return self.sequence


# smpplib's parse_pdu builds the PDU through make_pdu, which burns a number from the counter
# it is given for every request parsed; parsing with a throwaway counter keeps the sessions'
# own outgoing sequence numbers contiguous.
_PARSE_COUNTER = SequenceCounter()


async def read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """Return one raw PDU, or None on a clean EOF between PDUs."""
    try:
        prefix = await reader.readexactly(4)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FramingError("connection closed inside a PDU length") from exc
        return None
    (length,) = struct.unpack(">L", prefix)
    if not HEADER_LEN <= length <= MAX_PDU_LEN:
        raise InvalidLength(f"invalid command_length {length}")
    try:
        return prefix + await reader.readexactly(length - 4)
    except asyncio.IncompleteReadError as exc:
        raise FramingError("connection closed inside a PDU") from exc


def header(frame: bytes) -> tuple[int, int, int]:
    """(command_id, command_status, sequence_number) — usable even when smpplib cannot parse."""
    _, command_id, status, sequence = struct.unpack(">LLLL", frame[:HEADER_LEN])
    return command_id, status, sequence


def parse(frame: bytes) -> Command:
    pdu: Command = smpp.parse_pdu(frame, client=_PARSE_COUNTER, allow_unknown_opt_params=True)
    return pdu


def encode(
    name: str, counter: SequenceCounter, sequence: int | None = None, **fields: Any
) -> bytes:
    """Encode a PDU; `sequence` set for responses, None draws the next number for requests."""
    pdu = smpp.make_pdu(name, client=counter, **fields)
    if sequence is not None:
        # make_pdu(sequence=...) is silently ignored once the counter's .sequence is not None:
        # the PDU would then report the counter's *current* value, so assign it explicitly.
        pdu.sequence = sequence
    raw: bytes = pdu.generate()
    return raw


def header_only(command_id: int, status: int, sequence: int) -> bytes:
    """A body-less PDU: how SMPP 3.4 answers a request with an error (e.g. submit_sm_resp)."""
    return struct.pack(">LLLL", HEADER_LEN, command_id, status, sequence)


def text_field(value: Any) -> str:
    """smpplib hands C-octet strings back as bytes, and leaves absent fields as None."""
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def is_response(command_id: int) -> bool:
    return bool(command_id & 0x80000000)

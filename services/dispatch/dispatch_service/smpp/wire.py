"""SMPP framing on asyncio streams, with smpplib as the PDU codec."""

import asyncio
import struct
from typing import Any

from smpplib import command_codes, smpp
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
    """The byte stream can't be framed any more: the connection is beyond repair."""


class MalformedPdu(Exception):
    """One well-framed PDU that can't be decoded; the stream itself is still in step."""

    def __init__(self, message: str, command_id: int, sequence: int, *, unknown: bool) -> None:
        super().__init__(message)
        self.command_id = command_id
        self.sequence = sequence
        self.unknown_command = unknown

    @property
    def is_response(self) -> bool:
        return bool(self.command_id & 0x80000000)


async def read_pdu(reader: asyncio.StreamReader, sequences: SequenceCounter) -> Command:
    header = await reader.readexactly(4)
    (length,) = struct.unpack(">L", header)
    if not 16 <= length <= MAX_PDU_BYTES:
        raise ProtocolError(f"implausible PDU length {length}")
    body = await reader.readexactly(length - 4)
    return parse_frame(header + body, sequences)


def parse_frame(frame: bytes, sequences: SequenceCounter) -> Command:
    """Decode one complete frame; MalformedPdu if it can't be, with what a nack needs."""
    _, command_id, _, sequence = HEADER.unpack_from(frame)
    try:
        command_codes.get_command_name(command_id)
    except Exception as exc:
        raise MalformedPdu(str(exc), command_id, sequence, unknown=True) from exc
    try:
        pdu: Command = smpp.parse_pdu(frame, client=sequences, allow_unknown_opt_params=True)
    except Exception as exc:
        raise MalformedPdu(
            f"cannot decode PDU {command_id:#x}: {exc!r}", command_id, sequence, unknown=False
        ) from exc
    # smpplib stops quietly where the body ends, leaving missing fields None; a request
    # cut short is as malformed as one that can't be decoded. (An error response may
    # legitimately have no body, and an empty short_message may end the body.)
    if not pdu.is_response():
        missing = [
            field
            for field in pdu.params_order
            if not pdu.field_is_optional(field)
            and not hasattr(pdu.params[field], "len_field")
            and getattr(pdu, field, None) is None
        ]
        if missing:
            raise MalformedPdu(
                f"{pdu.command} without {', '.join(missing)}", command_id, sequence, unknown=False
            )
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

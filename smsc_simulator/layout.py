"""Strict structural check of the request bodies the simulator acts on.

smpplib's parser is lenient: a submit_sm with no body at all parses into a PDU whose fields are
None, and an unterminated string swallows the next fields. A real SMSC rejects such PDUs, so
the body is walked against the SMPP 3.4 layout (section 4) before smpplib decodes it.
"""

from __future__ import annotations

from collections.abc import Sequence

HEADER_LEN = 16

# ("c", max length including the NUL) | ("i", 1) | ("sm", 0): short_message after sm_length.
Field = tuple[str, int]
_BIND: Sequence[Field] = (("c", 16), ("c", 9), ("c", 13), ("i", 1), ("i", 1), ("i", 1), ("c", 41))
_SUBMIT: Sequence[Field] = (
    ("c", 6),  # service_type
    ("i", 1), ("i", 1), ("c", 21),  # source_addr_ton, _npi, source_addr
    ("i", 1), ("i", 1), ("c", 21),  # dest_addr_ton, _npi, destination_addr
    ("i", 1), ("i", 1), ("i", 1),  # esm_class, protocol_id, priority_flag
    ("c", 17), ("c", 17),  # schedule_delivery_time, validity_period
    ("i", 1), ("i", 1), ("i", 1), ("i", 1),  # registered_delivery .. sm_default_msg_id
    ("sm", 0),  # sm_length + short_message
)  # fmt: skip

# command_id → (mandatory fields, TLVs allowed after them)
LAYOUTS: dict[int, tuple[Sequence[Field], bool]] = {
    0x00000001: (_BIND, False),  # bind_receiver
    0x00000002: (_BIND, False),  # bind_transmitter
    0x00000009: (_BIND, False),  # bind_transceiver
    0x00000004: (_SUBMIT, True),  # submit_sm
    0x00000006: ((), False),  # unbind
    0x00000015: ((), False),  # enquire_link
}


class MalformedBody(ValueError):
    """The body does not have the structure its command_id requires."""


def check_body(command_id: int, frame: bytes) -> None:
    """Raise MalformedBody unless frame's body fits its layout exactly (unknown ids pass)."""
    layout = LAYOUTS.get(command_id)
    if layout is None:
        return
    fields, tlvs = layout
    body = frame[HEADER_LEN:]
    at = 0
    for kind, size in fields:
        if kind == "c":
            end = body.find(b"\x00", at, at + size)
            if end < 0:
                raise MalformedBody(f"C-octet string at offset {at} not terminated within {size}")
            at = end + 1
        elif kind == "i":
            at += size
        else:
            if at >= len(body):
                raise MalformedBody("body ends before sm_length")
            at += 1 + body[at]
        if at > len(body):
            raise MalformedBody(f"body ends at {len(body)}, fields need {at}")
    if tlvs:
        at = _walk_tlvs(body, at)
    if at != len(body):
        raise MalformedBody(f"{len(body) - at} unexpected octets after the fields")


def _walk_tlvs(body: bytes, at: int) -> int:
    while at < len(body):
        if at + 4 > len(body):
            raise MalformedBody(f"truncated TLV header at offset {at}")
        length = int.from_bytes(body[at + 2 : at + 4], "big")
        at += 4 + length
        if at > len(body):
            raise MalformedBody("TLV value runs past the end of the body")
    return at

"""Which part of which long MO a PDU is: a UDH concatenation element (esm_class UDHI, IE 0x00
with an 8-bit reference or 0x08 with a 16-bit one, 3GPP TS 23.040 9.2.3.24.1 and .8) or the
SAR TLVs some SMSCs use instead. A PDU whose UDH contradicts itself or its payload is
malformed: kept as it came, flagged, never an exception in the consumer's way."""

from dataclasses import dataclass

from shared.events import DeliverSmReceived

UDHI = 0x40
IE_CONCAT_8BIT = 0x00
IE_CONCAT_16BIT = 0x08
UCS2 = 0x08


@dataclass(frozen=True)
class Part:
    reference: int
    total: int
    seq: int


@dataclass(frozen=True)
class Malformed:
    reason: str


def classify(event: DeliverSmReceived) -> Part | Malformed | None:
    """The part this PDU is, Malformed, or None for a message complete in itself."""
    try:
        payload = bytes.fromhex(event.short_message_hex)
    except ValueError:
        return Malformed("payload is not hex")
    part: Part | Malformed | None = None
    if event.esm_class & UDHI:
        part = _from_udh(payload)
        body = payload[payload[0] + 1 :] if not isinstance(part, Malformed) else b""
    else:
        body = payload
    if isinstance(part, Malformed):
        return part
    if event.data_coding == UCS2 and len(body) % 2:
        return Malformed("UCS-2 text of an odd number of octets")
    if "\x00" in event.text:
        # No text has NUL characters (nor can PostgreSQL store them): binary read as text.
        return Malformed("NUL characters in the text")
    if part is None and event.sar_total_segments is not None:
        part = _from_sar(event)
    return part


def _from_udh(payload: bytes) -> Part | Malformed | None:
    if not payload:
        return Malformed("UDHI set but no payload")
    end = payload[0] + 1
    if end > len(payload):
        return Malformed(f"UDH length {payload[0]} beyond a payload of {len(payload)} octets")
    position, found = 1, None
    while position < end:
        if position + 2 > end:
            return Malformed("UDH element header cut short")
        iei, length = payload[position], payload[position + 1]
        data = payload[position + 2 : position + 2 + length]
        if position + 2 + length > end:
            return Malformed(f"UDH element 0x{iei:02x} runs past the UDH")
        if iei == IE_CONCAT_8BIT:
            if length != 3:
                return Malformed(f"8-bit concatenation element of length {length}")
            found = _checked(data[0], data[1], data[2])
        elif iei == IE_CONCAT_16BIT:
            if length != 4:
                return Malformed(f"16-bit concatenation element of length {length}")
            found = _checked(data[0] << 8 | data[1], data[2], data[3])
        if isinstance(found, Malformed):
            return found
        position += 2 + length
    return found


def _from_sar(event: DeliverSmReceived) -> Part | Malformed | None:
    if event.sar_msg_ref_num is None or event.sar_segment_seqnum is None:
        return Malformed("SAR TLVs incomplete")
    return _checked(event.sar_msg_ref_num, event.sar_total_segments or 0, event.sar_segment_seqnum)


def _checked(reference: int, total: int, seq: int) -> Part | Malformed | None:
    if total == 0 or not 1 <= seq <= total:
        return Malformed(f"part {seq} of {total}")
    if total == 1:
        return None  # a "long" message of one part is just a message
    return Part(reference, total, seq)

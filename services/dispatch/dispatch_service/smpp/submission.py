"""What goes on the wire for one message part."""

from typing import Any, Protocol

from dispatch_service.sms.encoding import Encoding, data_coding_for, decode_gsm7, encode_part
from dispatch_service.sms.udh import ESM_CLASS_UDHI, concat_udh

TON_INTERNATIONAL, TON_ALPHANUMERIC = 1, 5
NPI_ISDN, NPI_UNKNOWN = 1, 0
REGISTERED_DELIVERY_FINAL = 1


class Part(Protocol):
    to_number: str
    sender: str
    encoding: str
    concat_reference: int
    segments: int
    part_index: int
    text: str


def submit_sm_fields(part: Part) -> dict[str, Any]:
    encoding: Encoding = "ucs2" if part.encoding == "ucs2" else "gsm7"
    payload = encode_part(part.text, encoding)
    esm_class = 0
    if part.segments > 1:
        payload = concat_udh(part.concat_reference, part.segments, part.part_index) + payload
        esm_class |= ESM_CLASS_UDHI
    sender_is_number = part.sender.lstrip("+").isdigit()
    return {
        "source_addr_ton": TON_INTERNATIONAL if sender_is_number else TON_ALPHANUMERIC,
        "source_addr_npi": NPI_ISDN if sender_is_number else NPI_UNKNOWN,
        "source_addr": part.sender.lstrip("+"),
        "dest_addr_ton": TON_INTERNATIONAL,
        "dest_addr_npi": NPI_ISDN,
        "destination_addr": part.to_number.lstrip("+"),
        "esm_class": esm_class,
        "data_coding": data_coding_for(encoding),
        "registered_delivery": REGISTERED_DELIVERY_FINAL,
        "short_message": payload,
    }


def decode_short_message(payload: bytes, data_coding: int, esm_class: int) -> str:
    """Text of a deliver_sm: receipts are ASCII, mobile-originated SMS may be anything."""
    if esm_class & ESM_CLASS_UDHI and payload:
        payload = payload[payload[0] + 1 :]
    if data_coding == 0x08:
        return payload.decode("utf-16-be", errors="replace")
    if data_coding == 0x00:
        try:
            return decode_gsm7(payload)
        except ValueError:
            pass  # many SMSCs send plain ASCII/Latin-1 under data_coding 0
    return payload.decode("latin-1")

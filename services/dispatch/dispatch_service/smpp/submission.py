"""What goes on the wire for one message part."""

from typing import Any, Protocol

from dispatch_service.messages.phone import sender_address_type
from dispatch_service.sms.encoding import Encoding, data_coding_for, decode_gsm7, encode_part
from dispatch_service.sms.udh import ESM_CLASS_UDHI, concat_udh

TON_INTERNATIONAL, NPI_ISDN = 1, 1
REGISTERED_DELIVERY_FINAL = 1
# esm_class bits 2-5 (SMPP 3.4, 5.2.12): what kind of message a deliver_sm/data_sm carries.
ESM_CLASS_TYPE_MASK = 0x3C
ESM_CLASS_RECEIPTS = frozenset({0x04, 0x08})  # SMSC delivery receipt, intermediate notice


class Part(Protocol):
    @property
    def to_number(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def concat_reference(self) -> int: ...
    @property
    def segments(self) -> int: ...
    @property
    def part_index(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def validity_period(self) -> int | None: ...


def submit_sm_fields(
    part: Part, source_ton: int | None = None, source_npi: int | None = None
) -> dict[str, Any]:
    """submit_sm fields; `source_ton`/`source_npi` override what the sender's form implies
    (some SMSCs want e.g. TON 5 even for numeric senders)."""
    encoding: Encoding = "ucs2" if part.encoding == "ucs2" else "gsm7"
    payload = encode_part(part.text, encoding)
    esm_class = 0
    if part.segments > 1:
        payload = concat_udh(part.concat_reference, part.segments, part.part_index) + payload
        esm_class |= ESM_CLASS_UDHI
    derived_ton, derived_npi = sender_address_type(part.sender)
    return {
        "source_addr_ton": derived_ton if source_ton is None else source_ton,
        "source_addr_npi": derived_npi if source_npi is None else source_npi,
        "source_addr": part.sender.lstrip("+"),
        "dest_addr_ton": TON_INTERNATIONAL,
        "dest_addr_npi": NPI_ISDN,
        "destination_addr": part.to_number.lstrip("+"),
        "esm_class": esm_class,
        "data_coding": data_coding_for(encoding),
        "registered_delivery": REGISTERED_DELIVERY_FINAL,
        "short_message": payload,
        **(
            {}
            if part.validity_period is None
            else {"validity_period": relative_time(part.validity_period)}
        ),
    }


def relative_time(seconds: int) -> str:
    """SMPP 3.4's relative time format (7.1.1): YYMMDDhhmmss, tenths, "00", "R"."""
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    return f"0000{days:02d}{hour:02d}{minute:02d}{second:02d}000R"


def decode_short_message(payload: bytes, data_coding: int, esm_class: int) -> str:
    """Text of a deliver_sm: receipts are ASCII, mobile-originated SMS may be anything."""
    if esm_class & ESM_CLASS_UDHI and payload:
        payload = payload[payload[0] + 1 :]
    if (esm_class & ESM_CLASS_TYPE_MASK) in ESM_CLASS_RECEIPTS:
        # Receipt text is SMSC-generated ASCII even under data_coding 0; read as GSM 03.38
        # an `_` in the message id would become `§` and the receipt would match nothing.
        return payload.decode("latin-1")
    if data_coding == 0x08:
        return payload.decode("utf-16-be", errors="replace")
    if data_coding == 0x00:
        try:
            return decode_gsm7(payload)
        except ValueError:
            pass  # many SMSCs send plain ASCII/Latin-1 under data_coding 0
    return payload.decode("latin-1")

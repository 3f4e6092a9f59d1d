"""What the simulator records about submits and how it words delivery receipts (Appendix B)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from smpplib.command import Command

from .codec import text_field
from .config import Outcome

ESM_UDHI = 0x40
ESM_DELIVERY_RECEIPT = 0x04
DC_DEFAULT = 0x00
DC_UCS2 = 0x08
MAX_SHORT_MESSAGE = 254


@dataclass(frozen=True)
class ReceiptStyle:
    stat: str
    message_state: int
    err: str
    delivered: str


# err values are arbitrary but non-zero for failures, as real SMSCs report network error codes.
RECEIPT_STYLES: dict[Outcome, ReceiptStyle] = {
    "delivered": ReceiptStyle("DELIVRD", 2, "000", "001"),
    "expired": ReceiptStyle("EXPIRED", 3, "001", "000"),
    "undelivered": ReceiptStyle("UNDELIV", 5, "002", "000"),
    "rejected": ReceiptStyle("REJECTD", 8, "003", "000"),
}


@dataclass(frozen=True)
class SubmittedMessage:
    """One accepted submit_sm exactly as it arrived on the wire."""

    message_id: str
    id_number: int
    system_id: str
    source_addr: str
    source_addr_ton: int
    source_addr_npi: int
    destination_addr: str
    dest_addr_ton: int
    dest_addr_npi: int
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes
    message_payload: bytes | None
    sar_msg_ref_num: int | None
    sar_total_segments: int | None
    sar_segment_seqnum: int | None
    received_at: datetime
    # Fixed at submit time so that changing the config later affects only later sends.
    outcome: Outcome

    @property
    def wants_receipt(self) -> bool:
        # registered_delivery bits 0-1: 1 = always, 2 = only on failure (SMPP 3.4 5.2.17).
        requested = self.registered_delivery & 0x03
        return bool(requested & 1) or (requested == 2 and self.outcome != "delivered")

    @property
    def udh(self) -> bytes | None:
        if not self.esm_class & ESM_UDHI or not self.short_message:
            return None
        return self.short_message[: self.short_message[0] + 1]

    @property
    def text(self) -> str:
        """Best-effort decoded body (UDH stripped); data_coding 0 is treated as latin-1."""
        body = self.message_payload or self.short_message
        udh = self.udh
        if udh is not None and not self.message_payload:
            body = body[len(udh) :]
        if self.data_coding == DC_UCS2:
            return body.decode("utf-16-be", errors="replace")
        return body.decode("latin-1")


def record_submit(
    pdu: Command, message_id: str, id_number: int, system_id: str, outcome: Outcome
) -> SubmittedMessage:
    return SubmittedMessage(
        message_id=message_id,
        id_number=id_number,
        system_id=system_id,
        source_addr=text_field(pdu.source_addr),
        source_addr_ton=pdu.source_addr_ton or 0,
        source_addr_npi=pdu.source_addr_npi or 0,
        destination_addr=text_field(pdu.destination_addr),
        dest_addr_ton=pdu.dest_addr_ton or 0,
        dest_addr_npi=pdu.dest_addr_npi or 0,
        data_coding=pdu.data_coding or 0,
        esm_class=pdu.esm_class or 0,
        registered_delivery=pdu.registered_delivery or 0,
        short_message=pdu.short_message or b"",
        message_payload=pdu.message_payload,
        sar_msg_ref_num=pdu.sar_msg_ref_num,
        sar_total_segments=pdu.sar_total_segments,
        sar_segment_seqnum=pdu.sar_segment_seqnum,
        received_at=datetime.now(UTC),
        outcome=outcome,
    )


def receipt_fields(
    msg: SubmittedMessage, receipt_id: str, tlvs: bool, done: datetime | None = None
) -> dict[str, Any]:
    """Keyword fields for smpplib's make_pdu("deliver_sm", ...)."""
    style = RECEIPT_STYLES[msg.outcome]
    done = done or datetime.now(UTC)
    # Appendix B's text is ASCII on the wire; anything latin-1 cannot carry becomes '?'.
    snippet = msg.text[:20].encode("latin-1", errors="replace").decode("latin-1")
    text = (
        f"id:{receipt_id} sub:001 dlvrd:{style.delivered} "
        f"submit date:{msg.received_at:%y%m%d%H%M} done date:{done:%y%m%d%H%M} "
        f"stat:{style.stat} err:{style.err} text:{snippet}"
    )
    fields: dict[str, Any] = {
        "source_addr_ton": msg.dest_addr_ton,
        "source_addr_npi": msg.dest_addr_npi,
        "source_addr": msg.destination_addr,
        "dest_addr_ton": msg.source_addr_ton,
        "dest_addr_npi": msg.source_addr_npi,
        "destination_addr": msg.source_addr,
        "esm_class": ESM_DELIVERY_RECEIPT,
        "data_coding": DC_DEFAULT,
        "short_message": text.encode("latin-1"),
    }
    if tlvs:
        fields["receipted_message_id"] = msg.message_id
        fields["message_state"] = style.message_state
    return fields


def _mo_body(text: str) -> tuple[bytes, int]:
    try:
        return text.encode("latin-1"), DC_DEFAULT
    except UnicodeEncodeError:
        return text.encode("utf-16-be"), DC_UCS2


def mo_fields(source: str, destination: str, text: str) -> dict[str, Any]:
    body, coding = _mo_body(text)
    fields: dict[str, Any] = {
        "source_addr": source,
        "destination_addr": destination,
        "esm_class": 0,
        "data_coding": coding,
    }
    # short_message tops out at 254 octets; longer bodies go in the message_payload TLV.
    fields["message_payload" if len(body) > MAX_SHORT_MESSAGE else "short_message"] = body
    return fields


# How a handset's long SMS reaches an ESME in parts: a User Data Header in the body with an
# 8-bit (IEI 0x00) or 16-bit (IEI 0x08) reference, or SMPP's sar_* TLVs (SMPP 3.4, 5.3.2.22-24).
Concatenation = Literal["udh8", "udh16", "sar"]
# Octets of body per part, 140 in all less the header; UCS-2 parts stay whole characters.
_PART_OCTETS: dict[Concatenation, int] = {"udh8": 134, "udh16": 133, "sar": 140}


def mo_part_fields(
    source: str, destination: str, text: str, concatenation: Concatenation, reference: int
) -> list[dict[str, Any]]:
    """The deliver_sm fields of each part of a concatenated MO, in order."""
    body, coding = _mo_body(text)
    size = _PART_OCTETS[concatenation]
    size -= size % 2 if coding == DC_UCS2 else 0
    chunks = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    total = len(chunks)
    parts = []
    for number, chunk in enumerate(chunks, 1):
        fields: dict[str, Any] = {
            "source_addr": source,
            "destination_addr": destination,
            "esm_class": 0,
            "data_coding": coding,
        }
        if concatenation == "udh8":
            header = bytes([5, 0x00, 3, reference & 0xFF, total, number])
            fields |= {"esm_class": ESM_UDHI, "short_message": header + chunk}
        elif concatenation == "udh16":
            ref = reference & 0xFFFF
            header = bytes([6, 0x08, 4, ref >> 8, ref & 0xFF, total, number])
            fields |= {"esm_class": ESM_UDHI, "short_message": header + chunk}
        else:
            fields |= {
                "short_message": chunk,
                "sar_msg_ref_num": reference & 0xFFFF,
                "sar_total_segments": total,
                "sar_segment_seqnum": number,
            }
        parts.append(fields)
    return parts

"""Which part of which long MO a deliver_sm is, or that it contradicts itself."""

import pytest

from dlr_service.inbound.concat import Malformed, Part, classify
from shared.events import DeliverSmReceived


def pdu(
    payload: bytes, esm_class: int = 0x40, data_coding: int = 0, **fields: int
) -> DeliverSmReceived:
    return DeliverSmReceived(
        source_addr="447700900123",
        destination_addr="447700900000",
        esm_class=esm_class,
        data_coding=data_coding,
        short_message_hex=payload.hex(),
        text="",
        **fields,
    )


def test_8_bit_reference() -> None:
    assert classify(pdu(bytes([5, 0, 3, 0xA7, 3, 2]) + b"hi")) == Part(0xA7, 3, 2)


def test_16_bit_reference() -> None:
    assert classify(pdu(bytes([6, 8, 4, 0x12, 0x34, 2, 1]) + b"hi")) == Part(0x1234, 2, 1)


def test_other_elements_before_the_reference_are_skipped() -> None:
    # A port-addressing element (0x05, 4 octets) first.
    udh = bytes([11, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 0, 3, 9, 2, 2])
    assert classify(pdu(udh + b"x")) == Part(9, 2, 2)


def test_sar_tlvs() -> None:
    event = pdu(b"hi", esm_class=0, sar_msg_ref_num=513, sar_total_segments=3, sar_segment_seqnum=3)
    assert classify(event) == Part(513, 3, 3)


def test_no_udh_no_sar_and_one_part_messages_are_whole() -> None:
    assert classify(pdu(b"hello", esm_class=0)) is None
    assert classify(pdu(bytes([5, 0, 3, 1, 1, 1]) + b"hi")) is None
    # A UDH without a concatenation element (port addressing only).
    assert classify(pdu(bytes([6, 5, 4, 0x0B, 0x84, 0x23, 0xF0]) + b"hi")) is None


@pytest.mark.parametrize(
    "payload",
    [
        b"",  # UDHI but nothing
        bytes([40, 0, 3, 1, 2, 1]) + b"hi",  # UDH length beyond the payload
        bytes([5, 0, 9, 1, 2, 1]),  # an element running past the UDH
        bytes([4, 0, 2, 1, 2]) + b"hi",  # an 8-bit reference of the wrong length
        bytes([5, 0, 3, 1, 2, 3]) + b"hi",  # part 3 of 2
        bytes([5, 0, 3, 1, 0, 0]) + b"hi",  # part 0 of 0
        bytes([1, 0]) + b"hi",  # an element header cut short
    ],
)
def test_a_udh_that_contradicts_itself_is_malformed(payload: bytes) -> None:
    assert isinstance(classify(pdu(payload)), Malformed)


def test_odd_ucs2_is_malformed() -> None:
    assert isinstance(classify(pdu(b"\x00h\x00", esm_class=0, data_coding=8)), Malformed)
    assert classify(pdu(b"\x00h\x00i", esm_class=0, data_coding=8)) is None


def test_incomplete_sar_is_malformed() -> None:
    event = pdu(b"hi", esm_class=0, sar_total_segments=2, sar_segment_seqnum=1)
    assert isinstance(classify(event), Malformed)


def test_nul_characters_are_malformed() -> None:
    event = pdu(b"\x00hi", esm_class=0, data_coding=4).model_copy(update={"text": "\x00hi"})
    assert isinstance(classify(event), Malformed)

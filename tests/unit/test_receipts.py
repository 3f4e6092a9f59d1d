"""Receipt parsing, state mapping, id normalisation and esm_class detection: pure functions."""

from datetime import UTC, datetime

import pytest

from dlr_service.receipts.ids import candidates, normalise
from dlr_service.receipts.parsing import is_receipt, parse_receipt, parse_receipt_text
from dlr_service.receipts.states import MessageState
from shared.events import DeliverSmReceived

STANDARD = (
    "id:0001A3F2 sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 "
    "stat:DELIVRD err:000 text:Hello world"
)


def deliver_sm(text: str = STANDARD, **fields: object) -> DeliverSmReceived:
    defaults: dict[str, object] = {
        "source_addr": "447700900123",
        "destination_addr": "SMSGW",
        "esm_class": 0x04,
        "data_coding": 0,
        "short_message_hex": text.encode().hex(),
        "text": text,
    }
    return DeliverSmReceived.model_validate({**defaults, **fields})


def receipt_text(stat: str, err: str = "000", message_id: str = "abc123") -> str:
    return (
        f"id:{message_id} sub:001 dlvrd:000 submit date:2401151230 done date:2401151231 "
        f"stat:{stat} err:{err} text:"
    )


# --- the Appendix B text -------------------------------------------------------------------


def test_standard_text_is_parsed_field_by_field() -> None:
    fields = parse_receipt_text(STANDARD)

    assert fields.id == "0001A3F2"
    assert fields.sub == "001"
    assert fields.dlvrd == "001"
    assert fields.submit_date == datetime(2024, 1, 15, 12, 30, tzinfo=UTC)
    assert fields.done_date == datetime(2024, 1, 15, 12, 31, tzinfo=UTC)
    assert fields.stat == "DELIVRD"
    assert fields.err == "000"
    assert fields.text == "Hello world"


def test_keys_are_case_insensitive_and_spacing_is_tolerated() -> None:
    fields = parse_receipt_text(
        "ID : 77ab  SUB:1   Submit_Date: 240115123059  DONE   DATE:240115123100 "
        "Stat: delivrd Err:5 Text:x"
    )

    assert fields.id == "77ab"
    assert fields.submit_date == datetime(2024, 1, 15, 12, 30, 59, tzinfo=UTC)
    assert fields.done_date == datetime(2024, 1, 15, 12, 31, 0, tzinfo=UTC)
    assert fields.stat == "delivrd"
    assert fields.err == "5"


def test_text_keeps_its_colons_and_cannot_override_fields() -> None:
    fields = parse_receipt_text("id:42 stat:DELIVRD err:000 text:Code: 1234 id:99 stat:REJECTD")

    assert fields.text == "Code: 1234 id:99 stat:REJECTD"
    assert fields.id == "42"
    assert fields.stat == "DELIVRD"


def test_missing_fields_are_none() -> None:
    fields = parse_receipt_text("id:XYZ stat:UNDELIV")

    assert fields.id == "XYZ"
    assert fields.stat == "UNDELIV"
    assert (fields.sub, fields.err, fields.done_date, fields.text) == (None, None, None, None)


@pytest.mark.parametrize(
    "text",
    ["", "hello there", "id: stat: err:", "done date:2413991299 stat:", ":::"],
)
def test_malformed_text_parses_to_nothing_without_raising(text: str) -> None:
    fields = parse_receipt_text(text)

    assert fields.id is None
    assert fields.stat is None
    assert fields.done_date is None


def test_a_word_ending_in_id_is_not_the_id_key() -> None:
    assert parse_receipt_text("msgid:1 stat:DELIVRD").id is None


# --- state and status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stat", "state", "status"),
    [
        ("DELIVRD", MessageState.DELIVERED, "delivered"),
        ("EXPIRED", MessageState.EXPIRED, "expired"),
        ("DELETED", MessageState.DELETED, "undelivered"),
        ("UNDELIV", MessageState.UNDELIVERABLE, "undelivered"),
        ("REJECTD", MessageState.REJECTED, "rejected"),
        ("UNKNOWN", MessageState.UNKNOWN, "unknown"),
        ("delivered", MessageState.DELIVERED, "delivered"),
        ("NONSENSE", MessageState.UNKNOWN, "unknown"),
    ],
)
def test_stat_words_map_to_part_statuses(stat: str, state: MessageState, status: str) -> None:
    receipt = parse_receipt(deliver_sm(receipt_text(stat)))

    assert receipt.state is state
    assert receipt.status == status
    assert receipt.intermediate is False


@pytest.mark.parametrize(
    ("stat", "state"), [("ENROUTE", MessageState.ENROUTE), ("ACCEPTD", MessageState.ACCEPTED)]
)
def test_enroute_and_accepted_are_intermediate(stat: str, state: MessageState) -> None:
    receipt = parse_receipt(deliver_sm(receipt_text(stat)))

    assert receipt.state is state
    assert receipt.status is None
    assert receipt.intermediate is True


@pytest.mark.parametrize(
    ("message_state", "status"),
    [(1, None), (2, "delivered"), (3, "expired"), (4, "undelivered"), (5, "undelivered")]
    + [(6, None), (7, "unknown"), (8, "rejected")],
)
def test_message_state_tlv_values(message_state: int, status: str | None) -> None:
    receipt = parse_receipt(deliver_sm("", receipted_message_id="1", message_state=message_state))

    assert receipt.status == status
    assert receipt.intermediate is (status is None)


def test_tlvs_win_over_a_contradicting_text() -> None:
    event = deliver_sm(
        receipt_text("DELIVRD", err="000", message_id="TEXT-ID"),
        receipted_message_id="tlv-id",
        message_state=5,
        network_error_code_hex="030045",
    )

    receipt = parse_receipt(event)

    assert receipt.smsc_message_id == "tlv-id"
    assert receipt.state is MessageState.UNDELIVERABLE
    assert receipt.status == "undelivered"
    assert receipt.error_code == "069"  # 0x0045, written like `err:`


def test_the_text_fills_in_what_the_tlvs_leave_out() -> None:
    event = deliver_sm(receipt_text("UNDELIV", err="034", message_id="9f"), message_state=99)

    receipt = parse_receipt(event)

    assert receipt.smsc_message_id == "9f"
    assert receipt.state is MessageState.UNDELIVERABLE
    assert receipt.error_code == "034"
    assert receipt.done_at == datetime(2024, 1, 15, 12, 31, tzinfo=UTC)


def test_no_state_anywhere_is_unknown_unless_the_pdu_says_intermediate() -> None:
    final = parse_receipt(deliver_sm("id:1"))
    notification = parse_receipt(deliver_sm("id:1", esm_class=0x20))

    assert final.status == "unknown"
    assert notification.intermediate is True


def test_a_receipt_without_any_id_has_none() -> None:
    assert parse_receipt(deliver_sm("stat:DELIVRD err:000")).smsc_message_id is None
    assert parse_receipt(deliver_sm("id:" + "9" * 65)).smsc_message_id is None
    assert parse_receipt(deliver_sm("id:7", receipted_message_id="  ")).smsc_message_id == "7"


# --- message ids -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [("0001A3F2", "1a3f2"), (" 1A3F2 ", "1a3f2"), ("000", "0"), ("0", "0"), ("abc-DEF", "abc-def")],
)
def test_normalise(raw: str, key: str) -> None:
    assert normalise(raw) == key


def test_hex_id_candidates_include_its_decimal_value() -> None:
    assert candidates("0001A3F2") == ["1a3f2", "107506"]


def test_decimal_id_candidates_include_its_hex_value() -> None:
    # "107506" is valid hex too (0x107506 = 1078534): the collision ids.py documents.
    assert candidates("107506") == ["107506", "1078534", "1a3f2"]


def test_hex_submit_id_and_decimal_receipt_id_meet() -> None:
    assert normalise("0001A3F2") in candidates("107506")
    assert normalise("107506") in candidates("0001a3f2")


def test_non_numeric_ids_only_match_themselves() -> None:
    assert candidates("MSG-00x7") == ["msg-00x7"]
    assert candidates("0x1a") == ["x1a"]  # a hex prefix is not parsed as a number


def test_zero_has_one_candidate() -> None:
    assert candidates("0000") == ["0"]


def test_overlong_ids_are_not_converted() -> None:
    assert candidates("1" * 5000) == ["1" * 5000]


# --- esm_class -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("esm_class", "receipt"),
    [
        (0x00, False),  # default message type: a mobile-originated SMS
        (0x40, False),  # UDHI set on an MO: still an MO
        (0x04, True),  # SMSC delivery receipt
        (0x44, True),  # ... with UDHI
        (0x07, True),  # messaging mode bits don't matter
        (0x08, True),  # SME delivery acknowledgement
        (0x20, True),  # intermediate delivery notification
        (0x10, False),  # SME manual/user acknowledgement
        (0x18, False),  # conversation abort
    ],
)
def test_esm_class_message_type(esm_class: int, receipt: bool) -> None:
    assert is_receipt(esm_class) is receipt


# --- the text is read from the PDU's bytes ---------------------------------------------------


def test_ids_with_underscores_survive_a_gsm_decoded_text() -> None:
    raw = receipt_text("DELIVRD", message_id="abc_123")
    # What a GSM 03.38 decoding of data_coding 0 makes of 0x5F.
    event = deliver_sm(raw.replace("_", "§"), short_message_hex=raw.encode().hex())

    receipt = parse_receipt(event)

    assert receipt.smsc_message_id == "abc_123"
    assert receipt.status == "delivered"
    assert receipt.raw_text == raw


def test_submit_date_with_an_underscore_key_is_read_from_the_bytes() -> None:
    raw = "id:7 submit_date:2401151230 done_date:2401151231 stat:DELIVRD"
    event = deliver_sm(raw.replace("_", "§"), short_message_hex=raw.encode().hex())

    assert parse_receipt(event).done_at == datetime(2024, 1, 15, 12, 31, tzinfo=UTC)


def test_a_trailing_nul_does_not_stick_to_the_last_field() -> None:
    raw = "id:7 stat:DELIVRD\x00"
    event = deliver_sm("id:7 stat:DELIVRD", short_message_hex=raw.encode().hex())

    assert parse_receipt(event).status == "delivered"


def test_a_ucs2_receipt_is_read_as_ucs2() -> None:
    raw = receipt_text("UNDELIV", message_id="x_1")
    event = deliver_sm("garbled", data_coding=8, short_message_hex=raw.encode("utf-16-be").hex())

    receipt = parse_receipt(event)

    assert (receipt.smsc_message_id, receipt.status) == ("x_1", "undelivered")


def test_a_udh_before_the_receipt_text_is_skipped() -> None:
    raw = receipt_text("DELIVRD", message_id="u_1")
    udh = bytes([5, 0, 3, 0x2A, 1, 1])
    event = deliver_sm("garbled", esm_class=0x44, short_message_hex=(udh + raw.encode()).hex())

    assert parse_receipt(event).smsc_message_id == "u_1"


def test_without_bytes_the_decoded_text_is_used() -> None:
    event = deliver_sm(receipt_text("DELIVRD", message_id="t1"), short_message_hex="")

    assert parse_receipt(event).smsc_message_id == "t1"


# --- an unknown state is not the last word ---------------------------------------------------


def test_an_unknown_tlv_state_yields_to_a_known_stat() -> None:
    event = deliver_sm(receipt_text("DELIVRD"), receipted_message_id="1", message_state=7)

    receipt = parse_receipt(event)

    assert receipt.state is MessageState.DELIVERED
    assert receipt.status == "delivered"


def test_an_unknown_tlv_state_stands_when_the_text_has_no_stat() -> None:
    event = deliver_sm("id:1", receipted_message_id="1", message_state=7)

    assert parse_receipt(event).status == "unknown"

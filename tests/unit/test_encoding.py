"""GSM 03.38 / UCS-2 encoding choice, segmentation and concatenation UDH."""

from __future__ import annotations

import pytest

from dispatch_service.sms.encoding import (
    GSM7_MULTI,
    UCS2_MULTI,
    Encoding,
    data_coding_for,
    decode_gsm7,
    encode_part,
    gsm7_septets,
    segment,
)
from dispatch_service.sms.udh import ESM_CLASS_UDHI, concat_udh

EXTENSION_CHARS = "\f^{}\\[~]|€"
# Every printable basic-table character in code order (0x1B is the escape, not a char).
BASIC_CHARS = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def septets(text: str) -> int:
    counts = [gsm7_septets(ch) for ch in text]
    assert None not in counts
    return sum(c for c in counts if c is not None)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-be")) // 2


# --- encoding choice -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Hello, world!", "Your code is 123456", BASIC_CHARS, EXTENSION_CHARS, "€5 {ok} [x]"],
)
def test_gsm_alphabet_text_is_gsm7(text: str) -> None:
    assert segment(text).encoding == "gsm7"


@pytest.mark.parametrize(
    "text",
    [
        "Привет",  # Cyrillic
        "Hello Ж",  # one non-GSM char switches the whole message
        "ça va",  # lowercase ç is not in the table (only Ç at 0x09)
        "á",
        "`",
        "\x1b",  # 0x1B is the escape, not a character users can send
        "😀",
    ],
)
def test_any_non_gsm_char_makes_ucs2(text: str) -> None:
    assert segment(text).encoding == "ucs2"


def test_mixed_text_is_ucs2_for_every_part() -> None:
    result = segment("a" * 200 + "Ж")
    assert result.encoding == "ucs2"
    assert result.units == 201
    assert result.segments == 3  # 67 + 67 + 67


# --- gsm7 segmentation -----------------------------------------------------


@pytest.mark.parametrize(
    ("length", "expected_segments"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segment_counts(length: int, expected_segments: int) -> None:
    text = "a" * length
    result = segment(text)
    assert result.encoding == "gsm7"
    assert result.units == length
    assert result.segments == expected_segments
    assert "".join(result.parts) == text


@pytest.mark.parametrize(("count", "expected_segments"), [(80, 1), (81, 2)])
def test_extension_chars_count_two_septets(count: int, expected_segments: int) -> None:
    result = segment("€" * count)
    assert result.encoding == "gsm7"
    assert result.units == 2 * count
    assert result.segments == expected_segments


def test_escape_sequence_not_split_at_part_boundary() -> None:
    # 152 septets + € (2 septets) would end at septet 154: the € must move whole.
    text = "a" * 152 + "€" + "b" * 100
    result = segment(text)
    assert result.units == 152 + 2 + 100
    assert result.parts[0] == "a" * 152
    assert result.parts[1].startswith("€")
    assert all(septets(part) <= GSM7_MULTI for part in result.parts)
    assert "".join(result.parts) == text


def test_multipart_gsm7_parts_fit_with_udh() -> None:
    text = (BASIC_CHARS + EXTENSION_CHARS) * 5
    result = segment(text)
    assert result.segments > 1
    for part in result.parts:
        # SMPP carries unpacked septets (one octet each); 153 septets plus the
        # 6-octet UDH pack into 140 octets on the air interface.
        assert len(encode_part(part, "gsm7")) == septets(part) <= GSM7_MULTI


def test_empty_text_is_one_empty_part() -> None:
    result = segment("")
    assert result.encoding == "gsm7"
    assert result.parts == ("",)
    assert result.units == 0
    assert result.segments == 1


# --- ucs2 segmentation -----------------------------------------------------


@pytest.mark.parametrize(
    ("length", "expected_segments"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3)],
)
def test_ucs2_segment_counts(length: int, expected_segments: int) -> None:
    text = "Ж" * length
    result = segment(text)
    assert result.encoding == "ucs2"
    assert result.units == length
    assert result.segments == expected_segments
    assert "".join(result.parts) == text


@pytest.mark.parametrize(("count", "expected_segments"), [(35, 1), (36, 2)])
def test_emoji_counts_two_code_units(count: int, expected_segments: int) -> None:
    result = segment("😀" * count)
    assert result.units == 2 * count
    assert result.segments == expected_segments


def test_surrogate_pair_not_split_at_part_boundary() -> None:
    # 66 units + 😀 (2 units) would end at unit 68: the emoji must move whole.
    text = "Ж" * 66 + "😀" + "Ж" * 50
    result = segment(text)
    assert result.units == 66 + 2 + 50
    assert result.parts[0] == "Ж" * 66
    assert result.parts[1].startswith("😀")
    for part in result.parts:
        assert utf16_units(part) <= UCS2_MULTI
        part.encode("utf-16-be")  # no lone surrogate in any part
    assert "".join(result.parts) == text


def test_multipart_ucs2_parts_fit_with_udh() -> None:
    result = segment("Привет 😀 " * 40)
    assert result.segments > 1
    for part in result.parts:
        assert len(encode_part(part, "ucs2")) + len(concat_udh(1, result.segments, 1)) <= 140
        assert len(encode_part(part, "ucs2")) <= 134


# --- encode / decode -------------------------------------------------------


def test_gsm7_round_trip_all_characters() -> None:
    text = BASIC_CHARS + EXTENSION_CHARS
    data = encode_part(text, "gsm7")
    assert len(data) == segment(text).units == 127 + 2 * 10
    assert decode_gsm7(data) == text


def test_gsm7_basic_table_codes_in_order() -> None:
    codes = [code for code in range(128) if code != 0x1B]
    assert encode_part(BASIC_CHARS, "gsm7") == bytes(codes)


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("@", b"\x00"),
        ("Δ", b"\x10"),
        ("É", b"\x1f"),
        ("¤", b"\x24"),
        ("¡", b"\x40"),
        ("§", b"\x5f"),
        ("¿", b"\x60"),
        ("à", b"\x7f"),
        ("\f", b"\x1b\x0a"),
        ("^", b"\x1b\x14"),
        ("{", b"\x1b\x28"),
        ("}", b"\x1b\x29"),
        ("\\", b"\x1b\x2f"),
        ("[", b"\x1b\x3c"),
        ("~", b"\x1b\x3d"),
        ("]", b"\x1b\x3e"),
        ("|", b"\x1b\x40"),
        ("€", b"\x1b\x65"),
    ],
)
def test_gsm7_known_codes(char: str, expected: bytes) -> None:
    assert encode_part(char, "gsm7") == expected
    assert decode_gsm7(expected) == char


@pytest.mark.parametrize("char", ["Ж", "ç", "`", "\x1b", "😀"])
def test_encode_gsm7_rejects_non_gsm_char(char: str) -> None:
    with pytest.raises(ValueError, match="GSM 03.38"):
        encode_part("ok" + char, "gsm7")


@pytest.mark.parametrize("text", ["Привет", "Hi 😀", "Ж" * 67, "€ Ж"])
def test_ucs2_is_utf16_be(text: str) -> None:
    result = segment(text)
    assert result.encoding == "ucs2"
    data = encode_part(text, "ucs2")
    assert data == text.encode("utf-16-be")
    assert len(data) == 2 * result.units


def test_decode_gsm7_reserved_escapes() -> None:
    # TS 23.038: ESC + unknown code shows the basic char; ESC ESC shows a space.
    assert decode_gsm7(b"\x1b\x41") == "A"
    assert decode_gsm7(b"\x1b\x1b") == " "


@pytest.mark.parametrize("data", [b"\x80", b"A\xff", b"A\x1b", b"\x1b\x80"])
def test_decode_gsm7_rejects_malformed(data: bytes) -> None:
    with pytest.raises(ValueError, match="GSM 7-bit"):
        decode_gsm7(data)


@pytest.mark.parametrize(("encoding", "expected"), [("gsm7", 0), ("ucs2", 8)])
def test_data_coding_for(encoding: Encoding, expected: int) -> None:
    assert data_coding_for(encoding) == expected


# --- UDH -------------------------------------------------------------------


def test_concat_udh_bytes() -> None:
    assert concat_udh(0x2A, 3, 2) == bytes([5, 0, 3, 0x2A, 3, 2])
    assert len(concat_udh(0, 255, 255)) == 6
    assert ESM_CLASS_UDHI == 0x40


@pytest.mark.parametrize(
    ("reference", "total", "sequence"),
    [(-1, 2, 1), (256, 2, 1), (1, 0, 1), (1, 256, 1), (1, 3, 0), (1, 3, 4)],
)
def test_concat_udh_rejects_bad_ranges(reference: int, total: int, sequence: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        concat_udh(reference, total, sequence)

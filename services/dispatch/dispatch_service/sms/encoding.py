"""Choose an SMS encoding, split text into parts and encode parts for SMPP.

The rules follow 3GPP TS 23.038 (GSM 7-bit default alphabet) and TS 23.040
(concatenated SMS). Everything here is pure: no I/O, no configuration, so the
same function can price a message in the API and split it in the dispatcher
and the two can never disagree on the part count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

Encoding = Literal["gsm7", "ucs2"]

# GSM 03.38 default alphabet, basic table, indexed by code 0x00..0x7F.
# Spelled out with escapes so look-alikes cannot slip in: Δ is U+0394 (not the
# increment sign), Ω is U+03A9 (not the ohm sign), 0x09 is capital Ç as in the
# Unicode consortium's GSM0338 mapping.
_BASIC: Final[str] = (
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"  # 0x00
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\x1b\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./"  # 0x20
    "0123456789:;<=>?"  # 0x30
    "\u00a1ABCDEFGHIJKLMNO"  # 0x40
    "PQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"  # 0x50
    "\u00bfabcdefghijklmno"  # 0x60
    "pqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"  # 0x70
)
assert len(_BASIC) == 128  # a miscounted table would shift every code after the error

ESCAPE: Final[int] = 0x1B

# Extension table: reached with ESC + code, so each of these costs two septets.
_EXTENSION: Final[dict[str, int]] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "\u20ac": 0x65,  # euro sign
}

# 0x1B in the basic table is the escape itself, not a printable character, so
# a literal U+001B in user text is not GSM-encodable.
_BASIC_CODE: Final[dict[str, int]] = {ch: code for code, ch in enumerate(_BASIC) if code != ESCAPE}
_EXTENSION_CHAR: Final[dict[int, str]] = {code: ch for ch, code in _EXTENSION.items()}

# Per-part capacities. The multipart figures already reserve room for the
# 6-octet concatenation UDH (see udh.py): 140 - 6 = 134 octets, which is
# 153 septets (7 septets incl. fill bits) or 67 UTF-16 code units.
GSM7_SINGLE: Final[int] = 160
GSM7_MULTI: Final[int] = 153
UCS2_SINGLE: Final[int] = 70
UCS2_MULTI: Final[int] = 67

_DATA_CODING: Final[dict[str, int]] = {"gsm7": 0x00, "ucs2": 0x08}


@dataclass(frozen=True, slots=True)
class SegmentedText:
    """Text split into SMS parts.

    ``units`` counts septets (gsm7) or UTF-16 code units (ucs2) for the whole text.
    """

    encoding: Encoding
    parts: tuple[str, ...]
    units: int

    @property
    def segments(self) -> int:
        return len(self.parts)


def gsm7_septets(ch: str) -> int | None:
    """Septets one character costs in GSM 7-bit, or None if it is not encodable."""
    if ch in _BASIC_CODE:
        return 1
    if ch in _EXTENSION:
        return 2
    return None


def _gsm7_cost(ch: str) -> int:
    # Only called once is_gsm7() has vetted the text: not basic means extension.
    return 2 if ch in _EXTENSION else 1


def _ucs2_units(ch: str) -> int:
    # Characters outside the BMP become a surrogate pair in UTF-16.
    return 2 if ord(ch) > 0xFFFF else 1


def is_gsm7(text: str) -> bool:
    return all(gsm7_septets(ch) is not None for ch in text)


def segment(text: str) -> SegmentedText:
    """Pick the encoding for ``text`` and split it into SMS parts.

    A single non-GSM character switches the whole message to UCS-2: the
    encoding is per message, not per part, because every part of a
    concatenated SMS is sent with the same data_coding.

    Empty text yields one empty part (0 units) rather than an error: the API
    rejects empty bodies, and one part keeps ``segments >= 1`` as an invariant
    for pricing code that multiplies by it.
    """
    cost: Callable[[str], int]
    if is_gsm7(text):
        encoding: Encoding = "gsm7"
        cost, single, multi = _gsm7_cost, GSM7_SINGLE, GSM7_MULTI
    else:
        encoding = "ucs2"
        cost, single, multi = _ucs2_units, UCS2_SINGLE, UCS2_MULTI

    units = sum(cost(ch) for ch in text)
    if units <= single:
        return SegmentedText(encoding=encoding, parts=(text,), units=units)
    return SegmentedText(encoding=encoding, parts=_split(text, cost, multi), units=units)


def _split(text: str, cost: Callable[[str], int], capacity: int) -> tuple[str, ...]:
    # Greedy split on whole characters: a Python str is indexed by code point,
    # so an escape sequence (one extension char) or a surrogate pair (one
    # non-BMP char) is atomic here and can never straddle two parts; if it does
    # not fit, it opens the next part and the current one runs short.
    parts: list[str] = []
    start = 0
    used = 0
    for i, ch in enumerate(text):
        c = cost(ch)
        if used + c > capacity:
            parts.append(text[start:i])
            start, used = i, 0
        used += c
    parts.append(text[start:])
    return tuple(parts)


def encode_part(text: str, encoding: Encoding) -> bytes:
    """Encode one part for an SMPP ``short_message``.

    gsm7 gives unpacked GSM 03.38 codes, one octet per septet, as SMPP
    data_coding 0 carries them (the SMSC packs them for the air interface);
    extension characters become ESC (0x1B) followed by their code.
    ucs2 gives UTF-16-BE, which for BMP text is UCS-2 and keeps emoji as
    surrogate pairs as handsets expect.
    """
    if encoding == "ucs2":
        # Lone surrogates raise UnicodeEncodeError, a ValueError subclass.
        return text.encode("utf-16-be")
    if encoding != "gsm7":
        raise ValueError(f"unknown encoding {encoding!r}")
    out = bytearray()
    for ch in text:
        code = _BASIC_CODE.get(ch)
        if code is not None:
            out.append(code)
            continue
        ext = _EXTENSION.get(ch)
        if ext is None:
            raise ValueError(f"character {ch!r} is not in the GSM 03.38 alphabet")
        out += bytes((ESCAPE, ext))
    return bytes(out)


def decode_gsm7(data: bytes) -> str:
    """Decode unpacked GSM 03.38 octets (inbound SMS with data_coding 0).

    Follows TS 23.038 for codes we have no extension for: ESC + unknown code
    shows the basic-table character, and ESC + ESC (reserved for a further
    extension table) shows a space. Octets above 0x7F and a dangling ESC at
    the end are malformed input and raise ValueError.
    """
    out: list[str] = []
    i = 0
    while i < len(data):
        octet = data[i]
        if octet > 0x7F:
            raise ValueError(f"octet 0x{octet:02X} at {i} is not a GSM 7-bit code")
        if octet != ESCAPE:
            out.append(_BASIC[octet])
            i += 1
            continue
        if i + 1 >= len(data):
            raise ValueError("GSM 7-bit data ends with a dangling escape")
        code = data[i + 1]
        if code > 0x7F:
            raise ValueError(f"octet 0x{code:02X} at {i + 1} is not a GSM 7-bit code")
        if code == ESCAPE:
            out.append(" ")
        else:
            out.append(_EXTENSION_CHAR.get(code, _BASIC[code]))
        i += 2
    return "".join(out)


def data_coding_for(encoding: Encoding) -> int:
    """SMPP data_coding: 0 = SMSC default alphabet (GSM 03.38), 8 = UCS-2."""
    try:
        return _DATA_CODING[encoding]
    except KeyError:
        raise ValueError(f"unknown encoding {encoding!r}") from None

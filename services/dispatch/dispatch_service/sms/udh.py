"""User Data Header for concatenated SMS (3GPP TS 23.040, IEI 0x00).

The segment capacities in ``encoding`` (153 septets / 67 UTF-16 code units per
part) already reserve room for the 6-octet header built here: 140 - 6 = 134
octets of payload, i.e. 7 septets (6 octets plus a fill bit for septet
alignment) or 3 UCS-2 code units are given up per part.
"""

from __future__ import annotations

from typing import Final

# esm_class bit telling the SMSC that short_message starts with a UDH.
ESM_CLASS_UDHI: Final[int] = 0x40

# The largest 8-bit concatenation reference.
MAX_CONCAT_REFERENCE: Final[int] = 0xFF

_IEI_CONCAT_8BIT: Final[int] = 0x00
_IEDL_CONCAT_8BIT: Final[int] = 3
_UDHL: Final[int] = 2 + _IEDL_CONCAT_8BIT  # IEI + IEDL + data


def concat_udh(reference: int, total: int, sequence: int) -> bytes:
    """Build the 6-octet concatenation UDH with an 8-bit reference number.

    ``reference`` may be 0..255 (TS 23.040 gives every value meaning; it only
    has to be the same for all parts of one message and differ between
    messages in flight to the same recipient, which the intake guarantees by
    counting references per destination number). ``total`` is 1..255 and
    ``sequence`` is 1..total; a 0 in either makes handsets ignore the header,
    so reject it here rather than send an unassemblable message.
    """
    if not 0 <= reference <= MAX_CONCAT_REFERENCE:
        raise ValueError(f"reference must be 0..255, got {reference}")
    if not 1 <= total <= 0xFF:
        raise ValueError(f"total must be 1..255, got {total}")
    if not 1 <= sequence <= total:
        raise ValueError(f"sequence must be 1..{total}, got {sequence}")
    return bytes((_UDHL, _IEI_CONCAT_8BIT, _IEDL_CONCAT_8BIT, reference, total, sequence))

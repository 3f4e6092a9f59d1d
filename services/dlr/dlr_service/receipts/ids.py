"""SMSC message ids as keys: an SMSC may answer submit_sm_resp with an id in one form and
write it in the receipt in another (hex vs decimal, upper vs lower case, leading zeros).

Parts are stored under `normalise(smsc_message_id)`; a receipt matches a part whose key is
one of `candidates(receipt_id)`, the exact normalised form first.

Tradeoff: a digits-only id is both a valid decimal and a valid hex number, so a receipt
"107506" also matches a part stored as "1078534" (0x107506). Without the cross-form
candidates, every receipt from an SMSC that mixes forms would be lost, which is not rare at
all; the collisions they allow are kept small by matching.py: only parts of the receipt's
SMSC link, submitted within the match window, the exact form first, and a tie between
alternatives is recorded as ambiguous rather than guessed.
"""

import re

# SMPP 3.4 message_id is a C-Octet String of at most 65 octets including its NUL.
MAX_LENGTH = 64

_HEX = re.compile(r"[0-9a-f]+")
_DECIMAL = re.compile(r"[0-9]+")


def normalise(smsc_message_id: str) -> str:
    key = smsc_message_id.strip().lower()
    if not key:
        return key
    return key.lstrip("0") or "0"


def candidates(receipt_id: str) -> list[str]:
    """Keys a part for this receipt id may be stored under, most likely first."""
    key = normalise(receipt_id)
    keys = [key]
    # Longer strings are no SMPP id, and int() of thousands of digits is refused anyway.
    if len(key) <= MAX_LENGTH:
        if _HEX.fullmatch(key):
            keys.append(str(int(key, 16)))
        if _DECIMAL.fullmatch(key):
            keys.append(format(int(key), "x"))
    return list(dict.fromkeys(keys))

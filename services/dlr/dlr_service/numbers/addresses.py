"""One spelling per number, so an SMSC's `447700900000`, a customer's `+447700900000` and
`00447700900000` meet. SMPP addresses arrive with or without the `+` depending on the SMSC
and the TON it uses; short codes are short and never international."""

import re

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SHORT_CODE = re.compile(r"^[0-9]{3,8}$")
_SEPARATORS = re.compile(r"[\s().-]")


def canonical(address: str) -> str:
    """`+` and digits for an international number, the digits of a short code, otherwise
    the address as it came (an alphanumeric sender, say) without surrounding spaces."""
    compact = _SEPARATORS.sub("", address.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.isdigit() and len(compact) > 8:
        compact = "+" + compact
    return compact if (is_e164(compact) or is_short_code(compact)) else address.strip()


def is_e164(number: str) -> bool:
    return bool(_E164.match(number))


def is_short_code(number: str) -> bool:
    return bool(_SHORT_CODE.match(number))

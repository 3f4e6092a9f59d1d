"""Free text the platform stores, shows or sends: refuse the characters that cannot be
stored, cannot be sent as SMS, or exist to make a text look other than it reads.

Validators raise pydantic's PydanticCustomError of type `invalid_text`, which the problem
handlers turn into a 422 with that `code` (shared/errors.py).
"""

import re
import unicodedata

from pydantic_core import PydanticCustomError

INVALID_TEXT = "invalid_text"

# Characters that hide or reorder text. Explicit bidi embeddings, overrides and isolates
# (the "Trojan Source" set) and the implicit marks can make a link or a number display
# differently from what it is; the zero-width and invisible ones can split a word a reader
# sees whole. ZWNJ and ZWJ (U+200C, U+200D) are kept: emoji sequences (family, flags with
# a rainbow) and Persian and Indic spelling need them, and they cannot reorder anything.
_DISGUISING = (
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b"  # zero width space
    "\u200e\u200f"  # left-to-right, right-to-left mark
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\u206a-\u206f"  # deprecated format characters
    "\ufeff"  # zero width no-break space (byte order mark)
    "\ufff9-\ufffb"  # interlinear annotations
)
# Lone surrogates: JSON escapes like \ud800 can produce them; no encoding, SMS or PostgreSQL
# UTF-8, can carry them.
_SURROGATES = "\ud800-\udfff"
# C0 controls, DEL and C1 controls. NUL is the one PostgreSQL refuses outright; the rest
# have no meaning in an SMS, a name or a company name.
_CONTROLS = "\x00-\x1f\x7f-\x9f"

_REFUSED = re.compile(f"[{_CONTROLS}{_DISGUISING}{_SURROGATES}]")
# A message text may also hold line feed, carriage return (both in the GSM 03.38 basic
# table) and form feed (the GSM extension table's page break): all three are sendable in
# the 7-bit alphabet. Tab is not in GSM 03.38; it would force the whole message into UCS-2
# for a character handsets render inconsistently.
_MESSAGE_ALLOWED = frozenset("\n\r\f")


def check_message_text(value: str) -> str:
    """For SMS texts: multi-line, but only line breaks the GSM alphabet can carry."""
    for match in _REFUSED.finditer(value):
        if match.group() not in _MESSAGE_ALLOWED:
            raise _invalid(match.group(), match.start())
    return value


def check_single_line(value: str) -> str:
    """For names, company names, sender ids and the like: one line of visible text."""
    match = _REFUSED.search(value)
    if match is not None:
        raise _invalid(match.group(), match.start())
    return value


def check_encodable(value: str) -> str:
    """For secrets, which may hold anything UTF-8 can: only lone surrogates are refused."""
    match = re.search(f"[{_SURROGATES}]", value)
    if match is not None:
        raise _invalid(match.group(), match.start())
    return value


def _invalid(char: str, position: int) -> PydanticCustomError:
    code_point = ord(char)
    # The character's name and position, never the text around it: the text may be
    # personal, and the error is logged and shown.
    name = unicodedata.name(char, "") or _kind(code_point)
    return PydanticCustomError(
        INVALID_TEXT,
        "contains U+{code_point} {name} at position {position}, which cannot be sent or stored",
        {"code_point": f"{code_point:04X}", "name": name, "position": position},
    )


def _kind(code_point: int) -> str:
    if 0xD800 <= code_point <= 0xDFFF:
        return "(lone surrogate)"
    return "(control character)"

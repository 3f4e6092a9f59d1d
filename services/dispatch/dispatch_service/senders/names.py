"""What a sender name may look like, and when it is too close to a protected brand.

Alphanumeric names take ASCII letters, digits, space and `. - _ &` only: every one of them
is in the GSM 7-bit default alphabet (so handsets show the name as approved), and nothing
outside ASCII gets in, so no Cyrillic "а" or full-width "Ａ" can pose as a Latin letter.
"""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dispatch_service.messages.phone import ALPHANUMERIC_SENDER_CHARS

SenderKind = Literal["alphanumeric", "numeric"]

MAX_ALPHANUMERIC = 11  # what the SMS source address carries as 7-bit characters
MAX_NUMERIC_DIGITS = 15  # E.164

_ALPHANUMERIC = re.compile(f"[{ALPHANUMERIC_SENDER_CHARS}]{{1,{MAX_ALPHANUMERIC}}}")
_HAS_LETTER = re.compile("[A-Za-z]")
_NUMERIC = re.compile(rf"\+?[0-9]{{1,{MAX_NUMERIC_DIGITS}}}")

# Separators a reader skips, and digits a reader takes for a letter: "G00GLE", "Pay-Pa1"
# and "goo.gle" all fold to the brand they imitate. L and 1 both fold to I, so "APP1E"
# meets "APPLE" on "APPIE".
_SKIPPED = " .-_&"
_LOOK_ALIKES = str.maketrans(
    {"0": "O", "1": "I", "L": "I", "5": "S", "3": "E", "4": "A", "7": "T", "8": "B"}
)


class InvalidSenderName(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SenderName:
    name: str
    kind: SenderKind


def parse_sender_name(raw: str, kind: SenderKind) -> SenderName:
    """The name as it will be stored and sent, or InvalidSenderName saying what is wrong."""
    name = raw.strip(" ")
    if kind == "numeric":
        if not _NUMERIC.fullmatch(name):
            raise InvalidSenderName(
                f"a numeric sender is up to {MAX_NUMERIC_DIGITS} digits, with an optional leading +"
            )
        return SenderName(name, kind)
    if not _ALPHANUMERIC.fullmatch(name):
        raise InvalidSenderName(_why_not_alphanumeric(name))
    if not _HAS_LETTER.search(name):
        raise InvalidSenderName("an alphanumeric sender needs a letter; digits only are numeric")
    if "  " in name:
        raise InvalidSenderName("an alphanumeric sender has no double spaces")
    return SenderName(name, kind)


def _why_not_alphanumeric(name: str) -> str:
    allowed = "letters A-Z and a-z, digits, space and . - _ &"
    if not name:
        return f"an alphanumeric sender is 1 to {MAX_ALPHANUMERIC} of {allowed}"
    for char in name:
        if not re.fullmatch(f"[{ALPHANUMERIC_SENDER_CHARS}]", char):
            label = unicodedata.name(char, "a control or unassigned character")
            return f"{allowed} only; U+{ord(char):04X} ({label}) is not one of them"
    return f"an alphanumeric sender is at most {MAX_ALPHANUMERIC} characters"


def fold(name: str) -> str:
    """The name as a reader might take it: upper case, no separators, look-alike digits
    read as letters. Two names that fold alike are the same name to a phone's owner."""
    kept = "".join(char for char in name.upper() if char not in _SKIPPED)
    return kept.translate(_LOOK_ALIKES)


class ProtectedBrands:
    """The folded brands of a list file: one brand a line, `#` starts a comment."""

    def __init__(self, brands: dict[str, str]) -> None:
        self._by_fold = brands

    @classmethod
    def load(cls, path: Path) -> "ProtectedBrands":
        brands: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            brand = line.split("#", 1)[0].strip()
            if brand:
                brands[fold(brand)] = brand
        return cls(brands)

    def match(self, name: str) -> str | None:
        """The brand `name` imitates, or None. Whole names only: a brand inside a longer
        name ("Pineapple") is left to the operator who reviews every request."""
        return self._by_fold.get(fold(name))


def name_key(name: str, kind: SenderKind) -> str:
    """What makes two names the same one: the folded letters of an alphanumeric name, the
    digits of a number with or without its +."""
    return name.lstrip("+") if kind == "numeric" else fold(name)

"""Encoding policies: what a send may do when its text needs UCS-2.

One character outside GSM 03.38 turns the whole message into UCS-2, which carries 70
characters per SMS instead of 160: a smart quote pasted from a word processor can double or
triple the price. `gsm7_transliterate` swaps such look-alikes for their GSM-7 twins and says
what it swapped; `reject_ucs2` refuses the text instead, naming the characters.
"""

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dispatch_service.sms.encoding import gsm7_septets
from shared.errors import ProblemError

EncodingPolicy = Literal["auto", "gsm7_transliterate", "reject_ucs2"]

# Only characters that read the same once replaced: a reader must not see another word.
# Letters with diacritics GSM-7 lacks (ā, ł, ő, ...) are left alone on purpose: stripping
# them changes words in the languages that use them, and the sender did not ask for that.
LOOK_ALIKES: dict[str, str] = {
    # quotation marks and apostrophes
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark (the typographic apostrophe)
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent
    "\u0060": "'",  # grave accent: not in GSM 03.38 either
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # left-pointing double angle quotation mark
    "\u00bb": '"',  # right-pointing double angle quotation mark
    "\u2039": "'",  # single left-pointing angle quotation mark
    "\u203a": "'",  # single right-pointing angle quotation mark
    # dashes and hyphens
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    # spaces: every Unicode space separator but the plain one
    "\u00a0": " ",  # no-break space
    "\u1680": " ",  # ogham space mark
    "\u2000": " ",
    "\u2001": " ",
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\u2004": " ",
    "\u2005": " ",
    "\u2006": " ",
    "\u2007": " ",  # figure space
    "\u2008": " ",
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u202f": " ",  # narrow no-break space (French punctuation)
    "\u205f": " ",  # medium mathematical space
    "\u3000": " ",  # ideographic space
    "\t": " ",  # tab: GSM 03.38 has none
    # punctuation and symbols
    "\u2026": "...",  # horizontal ellipsis
    "\u2022": "-",  # bullet
    "\u2023": "-",  # triangular bullet
    "\u2043": "-",  # hyphen bullet
    "\u00b7": ".",  # middle dot
    "\u2024": ".",  # one dot leader
    "\u2027": "-",  # hyphenation point
    "\u2044": "/",  # fraction slash
    "\u2215": "/",  # division slash
    "\u00d7": "x",  # multiplication sign
    "\u02c6": "^",  # modifier letter circumflex
    "\u02dc": "~",  # small tilde
    "\u2122": "TM",  # trade mark sign
    "\u00a9": "(C)",  # copyright sign
    "\u00ae": "(R)",  # registered sign
}


class Replacement(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", description="The character replaced")
    to: str = Field(description="What it became")
    count: int = Field(description="How often it occurred")


class Ucs2NotAllowed(ProblemError):
    def __init__(self, characters: list[str]) -> None:
        listed = ", ".join(f"U+{ord(ch):04X}" for ch in characters)
        super().__init__(
            422,
            "ucs2_not_allowed",
            "UCS-2 not allowed",
            f"encoding_policy reject_ucs2: the text needs UCS-2 for {listed}",
            characters=characters,
        )


def ucs2_characters(text: str) -> list[str]:
    """The distinct characters that force `text` into UCS-2, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if gsm7_septets(ch) is None))


def transliterate(text: str) -> tuple[str, list[Replacement]]:
    """`text` with every look-alike GSM-7 lacks replaced, and what was replaced.

    Characters that are neither GSM-7 nor in the table stay: the text then still goes as
    UCS-2, which is the honest answer for an emoji or a Cyrillic word."""
    counts = Counter(ch for ch in text if ch in LOOK_ALIKES and gsm7_septets(ch) is None)
    if not counts:
        return text, []
    rendered = "".join(LOOK_ALIKES.get(ch, ch) if ch in counts else ch for ch in text)
    replaced = [
        Replacement(from_=ch, to=LOOK_ALIKES[ch], count=count) for ch, count in counts.items()
    ]
    return rendered, replaced


def apply_policy(text: str, policy: EncodingPolicy) -> tuple[str, list[Replacement]]:
    """The text to send under `policy`, and what transliteration replaced in it."""
    if policy == "gsm7_transliterate":
        return transliterate(text)
    if policy == "reject_ucs2":
        forcing = ucs2_characters(text)
        if forcing:
            raise Ucs2NotAllowed(forcing)
    return text, []

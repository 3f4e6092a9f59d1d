"""A campaign's text: the opt-out line marketing needs (R11, SG 3.5), and each recipient's
own values filled in."""

import re
from collections.abc import Mapping

from dispatch_service.templates.render import placeholders, render

# What already lets a recipient opt out: a keyword dlr reads (DLR_OPT_OUT_KEYWORDS) written
# as one, in capitals ("non-stop offers" names none), or an unsubscribe link or wording.
_HAS_OPT_OUT = re.compile(r"\b(?:STOP|STOPALL|СТОП)\b|(?i:unsubscribe|opt[ -]?out)")


def with_opt_out_line(text: str, purpose: str, line: str) -> str:
    """A marketing text gets `line` appended unless it already says how to opt out."""
    if purpose != "marketing" or _HAS_OPT_OUT.search(text):
        return text
    return f"{text}\n{line}"


def personalise(text: str, fields: Mapping[str, str]) -> str:
    """`{{name}}` etc. from the contact's fields; a field the contact lacks is left empty
    rather than refusing the recipient: the account chose the text for the whole group."""
    return render(text, {name: fields.get(name, "") for name in placeholders(text)})

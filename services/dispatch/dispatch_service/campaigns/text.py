"""A campaign's text: the opt-out line marketing needs (R11, SG 3.5), and each recipient's
own values filled in."""

import re
from collections.abc import Mapping

from dispatch_service.templates.render import placeholders, render

# What already lets a recipient opt out: the STOP keyword dlr reads, or an unsubscribe link.
_HAS_OPT_OUT = re.compile(r"\bstop\b|unsubscribe|opt[ -]?out", re.IGNORECASE)


def with_opt_out_line(text: str, purpose: str, line: str) -> str:
    """A marketing text gets `line` appended unless it already says how to opt out."""
    if purpose != "marketing" or _HAS_OPT_OUT.search(text):
        return text
    return f"{text}\n{line}"


def personalise(text: str, fields: Mapping[str, str]) -> str:
    """`{{name}}` etc. from the contact's fields; a field the contact lacks is left empty
    rather than refusing the recipient: the account chose the text for the whole group."""
    return render(text, {name: fields.get(name, "") for name in placeholders(text)})

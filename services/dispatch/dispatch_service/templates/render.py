"""Placeholders: `{{name}}`, names `[a-z_][a-z0-9_]*`, filled in one pass.

One pass is the whole defence against a "template loop": a value is inserted literally,
so a value holding `{{other}}` is sent as those characters and never expanded again.
"""

import re
from collections.abc import Mapping

from shared.errors import ProblemError

NAME = re.compile(r"[a-z_][a-z0-9_]*")
# Anything between double braces; the name rule is checked on what is found, so that a
# misspelt placeholder (`{{ First }}`) is refused when the template is saved instead of
# going out to customers as literal braces.
_BRACED = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class InvalidPlaceholder(ProblemError):
    def __init__(self, found: str) -> None:
        super().__init__(
            422,
            "invalid_placeholder",
            "Invalid placeholder",
            f"`{{{{{found}}}}}` is not a placeholder: names are lower-case letters, digits "
            "and _, not starting with a digit, with no spaces inside the braces",
        )


class TemplateVariableMissing(ProblemError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            422,
            "template_variable_missing",
            "Template variable missing",
            "no value for " + ", ".join(f"`{name}`" for name in missing),
            missing=missing,
        )


def placeholders(text: str) -> list[str]:
    """The distinct placeholder names in `text`, in order; raises InvalidPlaceholder."""
    names: dict[str, None] = {}
    for match in _BRACED.finditer(text):
        if NAME.fullmatch(match.group(1)) is None:
            raise InvalidPlaceholder(match.group(1)[:40])
        names[match.group(1)] = None
    return list(names)


def render(text: str, variables: Mapping[str, str]) -> str:
    """`text` with every placeholder replaced by its value; variables it does not use are
    ignored (a shared set of variables may serve several templates)."""
    missing = [name for name in placeholders(text) if name not in variables]
    if missing:
        raise TemplateVariableMissing(missing)
    return _BRACED.sub(lambda match: variables[match.group(1)], text)

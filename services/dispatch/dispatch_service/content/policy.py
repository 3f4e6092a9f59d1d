"""The content policy's matching: pure functions, no I/O.

Texts are normalised before matching so that the usual disguises (full-width or styled
letters, mixed case, zero-width joiners, line breaks between words) read as the plain word.
All enabled rules are compiled into one pattern per action, so a clean text, the usual
case at intake, costs one normalisation and two searches whatever the number of rules;
only a text that hits is searched again rule by rule to learn which one.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

Category = Literal["spam", "gambling", "alcohol", "tobacco", "phishing", "political", "shortener"]
Kind = Literal["keyword", "regex"]
Action = Literal["block", "review"]

MAX_PATTERN_LENGTH = 300
# More than this many unbounded repeats in one pattern make even polynomial backtracking
# slow on a 1,600-character text.
MAX_UNBOUNDED_REPEATS = 3

# ZWJ and ZWNJ pass the intake's text checks (emoji sequences need them) but would split a
# word the reader sees whole; the other invisible characters are refused before this runs,
# and removed here too so that the policy does not depend on that.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form rules are matched against: NFKC (full-width and styled letters become plain
    ones), case-folded, without invisible characters, whitespace runs as one space."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", folded)).strip()


class InvalidPattern(ValueError):
    pass


def check_pattern(kind: Kind, pattern: str) -> None:
    """Raise InvalidPattern unless `pattern` compiles and cannot backtrack for long.

    Python's `re` backtracks, so a regular expression like `(a+)+$` takes exponential time
    on a text that almost matches: one such rule would stall every intake. Refused: nested
    repeats, repeated alternations, backreferences, named groups and global inline flags
    (the last two would also break the combined pattern), and more than a few unbounded
    repeats. Operators can say the same with character classes (`[\\w.]+`).
    """
    if not normalise(pattern):
        raise InvalidPattern("the pattern is empty")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidPattern(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    if kind == "keyword":
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InvalidPattern(f"not a regular expression: {exc}") from exc
    _check_backtracking(pattern)


_REPEAT = re.compile(r"[*+]|\{\d*,\d*\}|\{\d+\}")
# A group's opening: plain, non-capturing, lookaround, or with scoped flags.
_GROUP_OPENING = re.compile(r"\((?:\?(?:[:=!]|<[=!]|[aiLmsux-]+:))?")


def _check_backtracking(pattern: str) -> None:
    # One entry per open group: whether it holds a repeat or an alternation.
    risky = [False]
    unbounded = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        repeat = _REPEAT.match(pattern, i)
        if char == "\\":
            if pattern[i + 1 : i + 2].isdigit() and pattern[i + 1] != "0":
                raise InvalidPattern("backreferences are not allowed")
            i += 2
        elif char == "[":
            i = _end_of_class(pattern, i)
        elif char == "(":
            opening = _GROUP_OPENING.match(pattern, i)
            assert opening is not None  # it always matches the parenthesis
            if opening.end() == i + 1 and pattern[i + 1 : i + 2] == "?":
                raise InvalidPattern("named groups and inline flags are not allowed")
            risky.append(False)
            i = opening.end()
        elif char == ")":
            inner = risky.pop()
            i += 1
            if inner and _REPEAT.match(pattern, i):
                raise InvalidPattern(
                    "a repeated group must not hold a repeat or an alternation "
                    "(it can take exponential time)"
                )
            risky[-1] = risky[-1] or inner
        elif repeat is not None:
            risky[-1] = True
            if repeat.group() in ("*", "+") or repeat.group().endswith(",}"):
                unbounded += 1
                if unbounded > MAX_UNBOUNDED_REPEATS:
                    raise InvalidPattern(f"at most {MAX_UNBOUNDED_REPEATS} unbounded repeats")
            i = repeat.end()
        else:
            # An alternation, or an optional item, makes a group risky to repeat too.
            risky[-1] = risky[-1] or char in "|?"
            i += 1


def _end_of_class(pattern: str, start: int) -> int:
    i = start + 1
    if pattern[i : i + 1] == "^":
        i += 1
    if pattern[i : i + 1] == "]":
        i += 1  # a leading ] is a literal
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


@dataclass(frozen=True, slots=True)
class Rule:
    id: UUID
    category: Category
    kind: Kind
    pattern: str
    action: Action


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    # What matched, in normalised form: the domains of a review; never shown to customers.
    matched: str


def _regex(rule: Rule) -> str:
    if rule.kind == "keyword":
        # Whole words: "bet now" is no hit inside "alphabet nowhere".
        return rf"(?<!\w){re.escape(normalise(rule.pattern))}(?!\w)"
    return rule.pattern


def _flags(rule: Rule) -> re.RegexFlag:
    return re.IGNORECASE if rule.kind == "regex" else re.NOFLAG


class Matcher:
    """The enabled rules, compiled once; immutable, so a reload swaps it whole."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._compiled = {rule.id: re.compile(_regex(rule), _flags(rule)) for rule in self.rules}
        self._any = {
            action: _combined([r for r in self.rules if r.action == action])
            for action in ("block", "review")
        }

    def block(self, normalised: str) -> Hit | None:
        """The first blocking rule `normalised` hits, if any."""
        hits = self._hits("block", normalised, first_only=True)
        return hits[0] if hits else None

    def review(self, normalised: str) -> list[Hit]:
        """Every match of the rules that send a text to review (each shortener link)."""
        return self._hits("review", normalised, first_only=False)

    def _hits(self, action: Action, normalised: str, first_only: bool) -> list[Hit]:
        combined = self._any[action]
        if combined is None or combined.search(normalised) is None:
            return []
        hits: list[Hit] = []
        for rule in self.rules:
            if rule.action != action:
                continue
            for match in self._compiled[rule.id].finditer(normalised):
                hits.append(Hit(rule, match.group()))
                if first_only:
                    return hits
        return hits


def _combined(rules: Sequence[Rule]) -> re.Pattern[str] | None:
    if not rules:
        return None
    # The keywords share one lookbehind: a lookbehind per keyword would be tried at every
    # position of the text, which made a clean text's check 15 times slower.
    keywords = [re.escape(normalise(rule.pattern)) for rule in rules if rule.kind == "keyword"]
    # Texts are case-folded already; only operators' regular expressions may hold capitals.
    branches = [f"(?i:{rule.pattern})" for rule in rules if rule.kind == "regex"]
    if keywords:
        branches.insert(0, rf"(?<!\w)(?:{'|'.join(keywords)})(?!\w)")
    return re.compile("|".join(branches))

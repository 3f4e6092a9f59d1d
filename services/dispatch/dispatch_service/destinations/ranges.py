"""The shipped (or operator-supplied) list of high-risk E.164 ranges, and what a number hits."""

import re
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"(\+[0-9]{1,15})\s+([a-z][a-z0-9_]{0,63})")


class InvalidRangesFile(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RangeHit:
    prefix: str
    category: str


class HighRiskRanges:
    """Prefix -> category; a number's longest matching prefix decides its category."""

    def __init__(self, categories: dict[str, str]) -> None:
        self._by_prefix = categories
        self._lengths = sorted({len(prefix) for prefix in categories}, reverse=True)

    @classmethod
    def load(cls, path: Path) -> "HighRiskRanges":
        categories: dict[str, str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            match = _LINE.fullmatch(entry)
            if match is None:
                raise InvalidRangesFile(f"{path}:{number}: expected '+PREFIX category'")
            categories.setdefault(match.group(1), match.group(2))
        return cls(categories)

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(self._by_prefix.values())

    def match(self, e164: str) -> RangeHit | None:
        for length in self._lengths:
            prefix = e164[:length]
            category = self._by_prefix.get(prefix)
            if category is not None:
                return RangeHit(prefix, category)
        return None

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """`  Stop ALL ` and `STOPALL` are one keyword: people type them every way."""
    return _SPACES.sub("", text).casefold()


@dataclass(frozen=True)
class Keyword:
    word: str  # as configured
    # True: opts out; False: opts back in; None: asks for help, consent unchanged.
    opted_out: bool | None


class Keywords:
    def __init__(
        self, opt_out: Iterable[str], opt_in: Iterable[str], help_words: Iterable[str] = ()
    ) -> None:
        self._words = {normalise(word): Keyword(word, None) for word in help_words}
        self._words |= {normalise(word): Keyword(word, True) for word in opt_out}
        self._words |= {normalise(word): Keyword(word, False) for word in opt_in}

    def match(self, text: str) -> Keyword | None:
        """The keyword that is the whole text, if one is."""
        return self._words.get(normalise(text))

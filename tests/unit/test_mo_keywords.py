"""Which whole texts are keywords, and that one word means one thing."""

import pytest
from pydantic import ValidationError

from dlr_service.config import DlrSettings
from dlr_service.consent.keywords import Keywords


def test_help_opt_out_and_opt_in_words_are_told_apart() -> None:
    words = Keywords(["STOP", "СТОП"], ["START"], ["HELP", "СПРАВКА"])

    found = {text: words.match(text) for text in (" help ", "Справка", "stop", "Start")}
    assert {text: (k.word, k.opted_out) for text, k in found.items() if k} == {
        " help ": ("HELP", None),
        "Справка": ("СПРАВКА", None),
        "stop": ("STOP", True),
        "Start": ("START", False),
    }
    assert words.match("help me") is None


def test_a_word_in_two_lists_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="DLR_HELP_KEYWORDS"):
        DlrSettings(opt_out_keywords=("STOP",), help_keywords=("stop",))

"""Opt-out and opt-in keywords: whole texts only, however they are typed."""

import pytest
from pydantic import ValidationError

from dlr_service.config import DlrSettings
from dlr_service.consent.keywords import Keywords


@pytest.fixture
def keywords() -> Keywords:
    settings = DlrSettings(environment="test")
    return Keywords(settings.opt_out_keywords, settings.opt_in_keywords)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("STOP", "STOP"),
        ("  stop\n", "STOP"),
        ("Stop All", "STOPALL"),
        ("un subscribe", "UNSUBSCRIBE"),
        ("стоп", "СТОП"),
        ("Отписаться ", "ОТПИСАТЬСЯ"),
    ],
)
def test_opt_out_keywords(keywords: Keywords, text: str, word: str) -> None:
    found = keywords.match(text)
    assert found is not None
    assert (found.word, found.opted_out) == (word, True)


def test_start_opts_back_in(keywords: Keywords) -> None:
    found = keywords.match(" Start")
    assert found is not None
    assert not found.opted_out


@pytest.mark.parametrize("text", ["STOP please", "stopp", "don't stop", "", "STOP."])
def test_anything_more_is_no_keyword(keywords: Keywords, text: str) -> None:
    assert keywords.match(text) is None


def test_the_lists_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLR_OPT_OUT_KEYWORDS", "HALT, Quit")
    monkeypatch.setenv("DLR_OPT_IN_KEYWORDS", "RESUME")
    settings = DlrSettings(environment="test")
    keywords = Keywords(settings.opt_out_keywords, settings.opt_in_keywords)

    assert keywords.match("quit") is not None
    assert keywords.match("STOP") is None
    assert keywords.match("resume") is not None


def test_a_word_in_both_lists_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLR_OPT_IN_KEYWORDS", "START, stop")
    with pytest.raises(ValidationError, match="both"):
        DlrSettings(environment="test")

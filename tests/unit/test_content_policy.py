"""The content policy's matching, without I/O: normalisation, whole words, the shipped
defaults, and the patterns refused because they could stall intake."""

import json
from pathlib import Path
from uuid import uuid4

import pytest

from dispatch_service.content.policy import (
    InvalidPattern,
    Kind,
    Matcher,
    Rule,
    check_pattern,
    normalise,
)

DEFAULTS = (
    Path(__file__).resolve().parents[2] / "services/dispatch/dispatch_service/content/defaults.json"
)


def default_rules() -> list[Rule]:
    rules = json.loads(DEFAULTS.read_text())["rules"]
    return [
        Rule(uuid4(), r["category"], r["kind"], r["pattern"], r.get("action", "block"))
        for r in rules
    ]


@pytest.fixture(scope="module")
def defaults() -> Matcher:
    return Matcher(default_rules())


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("ＣＡＳＩＮＯ", "casino"),  # full-width
        ("𝐜𝐚𝐬𝐢𝐧𝐨", "casino"),  # mathematical bold
        ("cas\u200dino", "casino"),  # zero-width joiner
        ("ca\u200csino", "casino"),  # zero-width non-joiner
        ("BET \n\t  NOW", "bet now"),
        ("  Straße  ", "strasse"),
    ],
)
def test_disguises_normalise_to_the_plain_word(text: str, normalised: str) -> None:
    assert normalise(text) == normalised


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Big wins at our CASINO", "gambling"),
        ("bet\nnow!", "gambling"),
        ("Cheap cigarettes, delivered", "tobacco"),
        ("Your account has been suspended, call us", "phishing"),
        ("Login at http://192.168.10.4/secure", "phishing"),
        ("You've won a prize", "spam"),
    ],
)
def test_the_defaults_block(defaults: Matcher, text: str, category: str) -> None:
    hit = defaults.block(normalise(text))
    assert hit is not None
    assert hit.rule.category == category


@pytest.mark.parametrize(
    "text",
    [
        "Your code is 4711",
        "Your table at Casinova is ready",  # a keyword inside another word
        "The alphabet nowhere ends",
        "Your parcel arrives Tuesday; track it at example.com/t/123",
    ],
)
def test_ordinary_texts_pass(defaults: Matcher, text: str) -> None:
    assert defaults.block(normalise(text)) is None
    assert defaults.review(normalise(text)) == []


def test_shorteners_go_to_review_with_each_domain(defaults: Matcher) -> None:
    text = normalise("Offer: https://BIT.LY/abc or t.co/x (not at.com)")
    assert defaults.block(text) is None
    assert [hit.matched for hit in defaults.review(text)] == ["bit.ly", "t.co"]
    assert {hit.rule.category for hit in defaults.review(text)} == {"shortener"}


def test_the_shipped_defaults_pass_their_own_checks() -> None:
    for rule in default_rules():
        check_pattern(rule.kind, rule.pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "(unclosed",
        "(a+)+$",
        "(a*)*b",
        r"(\w+\s?)+$",
        "(a|aa)+",
        "(?:x?){2,}",
        r"(a)\1",
        "(?P<name>a)",
        "(?i)casino",  # a global flag would break the combined pattern
        "a+b+c+d+",
        "a" * 301,
        " \u200d ",
    ],
)
def test_risky_or_broken_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(InvalidPattern):
        check_pattern("regex", pattern)


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("regex", r"verify your acc(?:ou)?nt"),
        ("regex", r"(https?://)?(www\.)?paypa1\.com"),
        ("regex", r"[\w.]+@[\w.]+"),
        ("regex", r"\d{1,3}\.\d{1,3}"),
        ("regex", r"(?i:Casino)"),
        ("regex", r"c\(a\)+"),  # escaped parentheses are no group
        ("regex", r"[(a+)]+"),  # nor are they inside a class
        ("keyword", "(a+)+"),  # a keyword is a literal
    ],
)
def test_ordinary_patterns_are_accepted(kind: Kind, pattern: str) -> None:
    check_pattern(kind, pattern)


def test_rules_with_capitals_still_match() -> None:
    matcher = Matcher(
        [
            Rule(uuid4(), "spam", "regex", r"FREE\s+GIFT", "block"),
            Rule(uuid4(), "spam", "keyword", "Lucky Draw", "block"),
        ]
    )
    assert matcher.block(normalise("a free gift")) is not None
    assert matcher.block(normalise("the LUCKY draw")) is not None


def test_a_keyword_of_symbols_still_needs_its_own_boundaries() -> None:
    matcher = Matcher([Rule(uuid4(), "spam", "keyword", "100% free", "block")])
    assert matcher.block(normalise("It's 100% FREE!")) is not None
    assert matcher.block(normalise("It's 100% freezing")) is None

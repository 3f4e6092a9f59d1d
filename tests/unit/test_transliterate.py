"""Encoding policies: the look-alike table and what each policy does with a text."""

import pytest

from dispatch_service.sms.encoding import is_gsm7, segment
from dispatch_service.sms.transliterate import (
    LOOK_ALIKES,
    Ucs2NotAllowed,
    apply_policy,
    transliterate,
    ucs2_characters,
)
from dispatch_service.templates.render import (
    InvalidPlaceholder,
    TemplateVariableMissing,
    placeholders,
    render,
)


def test_every_replacement_is_gsm7_and_every_replaced_character_is_not() -> None:
    for character, replacement in LOOK_ALIKES.items():
        assert not is_gsm7(character), f"U+{ord(character):04X} needs no replacement"
        assert is_gsm7(replacement), f"U+{ord(character):04X} -> {replacement!r}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u201cHello\u201d \u2018you\u2019", "\"Hello\" 'you'"),
        ("Mon\u2013Fri \u2014 9\u202f\u2212\u00a017", "Mon-Fri - 9 - 17"),
        ("Wait\u2026", "Wait..."),
        ("\u2022 one\t\u2022 two", "- one - two"),
        ("It\u2019s \u00a9 ACME\u2122", "It's (C) ACMETM"),
    ],
)
def test_look_alikes_become_gsm7(text: str, expected: str) -> None:
    rendered, _ = transliterate(text)

    assert rendered == expected
    assert segment(rendered).encoding == "gsm7"


def test_replacements_are_counted_per_character() -> None:
    _, replaced = transliterate("\u201cA\u201d and \u201cB\u201d \u2026")

    assert [(r.from_, r.to, r.count) for r in replaced] == [
        ("\u201c", '"', 2),
        ("\u201d", '"', 2),
        ("\u2026", "...", 1),
    ]
    assert replaced[0].model_dump(by_alias=True) == {"from": "\u201c", "to": '"', "count": 2}


def test_what_has_no_gsm7_twin_stays_and_gsm7_is_untouched() -> None:
    text = "Привет \u2019 é ü € {x}"

    rendered, replaced = transliterate(text)

    assert rendered == "Привет ' é ü € {x}"
    assert [r.from_ for r in replaced] == ["\u2019"]
    assert segment(rendered).encoding == "ucs2"


def test_a_smart_quote_no_longer_doubles_the_parts() -> None:
    text = "Your parcel\u2019s on its way. " * 4  # 112 characters

    assert segment(text).segments == 2  # UCS-2: 67 a part
    assert segment(apply_policy(text, "gsm7_transliterate")[0]).segments == 1


def test_reject_ucs2_names_each_forcing_character_once() -> None:
    with pytest.raises(Ucs2NotAllowed) as refused:
        apply_policy("caf\u00e9 \u2019ok\u2019 \U0001f600", "reject_ucs2")

    assert refused.value.code == "ucs2_not_allowed"
    assert refused.value.status == 422
    assert ucs2_characters("\u2019ok\u2019 \U0001f600") == ["\u2019", "\U0001f600"]
    assert apply_policy("plain GSM-7 €", "reject_ucs2") == ("plain GSM-7 €", [])
    assert apply_policy("caf\u00e7 \u2019", "auto") == ("caf\u00e7 \u2019", [])


def test_placeholders_are_rendered_once_and_literally() -> None:
    text = "Hi {{name}}, {{name}}: code {{code}}"

    assert placeholders(text) == ["name", "code"]
    assert render(text, {"name": "{{code}}", "code": "42", "unused": "x"}) == (
        "Hi {{code}}, {{code}}: code 42"
    )


def test_a_missing_variable_is_named() -> None:
    with pytest.raises(TemplateVariableMissing) as missing:
        render("{{a}} {{b}} {{c}}", {"b": ""})

    assert missing.value.code == "template_variable_missing"
    assert missing.value.extensions["missing"] == ["a", "c"]


@pytest.mark.parametrize("text", ["{{ name }}", "{{Name}}", "{{1st}}", "{{}}", "{{a-b}}"])
def test_a_misspelt_placeholder_is_refused(text: str) -> None:
    with pytest.raises(InvalidPlaceholder):
        placeholders(f"Hi {text}")

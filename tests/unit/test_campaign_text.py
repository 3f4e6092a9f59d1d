"""A campaign's text: the opt-out line marketing needs, and each recipient's values."""

import pytest

from dispatch_service.campaigns.text import personalise, with_opt_out_line

LINE = "Reply STOP to opt out"


@pytest.mark.parametrize(
    "text",
    [
        "Sale! Reply STOP to end",
        "Sale! Text STOPALL to 60123",
        "Скидки! СТОП в ответ",
        "Sale! Unsubscribe: acme.example/u/1",
        "Sale! To opt-out call us",
    ],
)
def test_a_marketing_text_with_its_own_opt_out_is_left_alone(text: str) -> None:
    assert with_opt_out_line(text, "marketing", LINE) == text


def test_a_marketing_text_without_one_gets_the_line_even_if_it_says_stop_in_passing() -> None:
    assert with_opt_out_line("Non-stop deals", "marketing", LINE) == f"Non-stop deals\n{LINE}"
    assert with_opt_out_line("20% off", "marketing", LINE) == f"20% off\n{LINE}"


def test_a_transactional_text_gets_no_line() -> None:
    assert with_opt_out_line("Your order shipped", "transactional", LINE) == "Your order shipped"


def test_personalisation_fills_known_fields_and_leaves_missing_ones_empty() -> None:
    text = "Hi {{name}}, your {{tier}} code: {{code}}"
    assert personalise(text, {"name": "Ann", "code": "{{name}}"}) == "Hi Ann, your  code: {{name}}"

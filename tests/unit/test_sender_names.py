"""Sender names' form, the protected brands' folding, and the SMPP source address type a
sender goes out with."""

from pathlib import Path

import pytest

from dispatch_service.config import DispatchSettings
from dispatch_service.messages.phone import sender_address_type
from dispatch_service.senders.names import (
    InvalidSenderName,
    ProtectedBrands,
    SenderKind,
    parse_sender_name,
)


@pytest.mark.parametrize(
    ("sender", "ton_npi"),
    [
        ("ACME", (5, 0)),
        ("Shop 24", (5, 0)),
        ("+447700900123", (1, 1)),
        ("447700900123", (1, 1)),
        ("12345", (3, 0)),  # a short code
        ("123", (3, 0)),
        ("12345678", (3, 0)),
        ("123456789", (1, 1)),
    ],
)
def test_source_address_type(sender: str, ton_npi: tuple[int, int]) -> None:
    assert sender_address_type(sender) == ton_npi


@pytest.mark.parametrize(
    ("raw", "kind", "stored"),
    [
        ("Acme", "alphanumeric", "Acme"),
        (" Acme Ltd ", "alphanumeric", "Acme Ltd"),
        ("A.B-C_D&E", "alphanumeric", "A.B-C_D&E"),
        ("ElevenChars", "alphanumeric", "ElevenChars"),
        ("+447700900123", "numeric", "+447700900123"),
        ("12345", "numeric", "12345"),
        ("123456789012345", "numeric", "123456789012345"),
    ],
)
def test_valid_names(raw: str, kind: SenderKind, stored: str) -> None:
    assert parse_sender_name(raw, kind).name == stored


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("B\u0430nk", "alphanumeric"),  # Cyrillic а
        ("\uff21cme", "alphanumeric"),  # full-width A
        ("Acme\u0000", "alphanumeric"),
        ("Ac\tme", "alphanumeric"),
        ("TwelveChars!", "alphanumeric"),
        ("TwelveCharsX", "alphanumeric"),
        ("", "alphanumeric"),
        ("12345", "alphanumeric"),  # digits only are numeric
        ("A  B", "alphanumeric"),
        ("Acme", "numeric"),
        ("1234567890123456", "numeric"),
        ("++123", "numeric"),
    ],
)
def test_invalid_names(raw: str, kind: SenderKind) -> None:
    with pytest.raises(InvalidSenderName):
        parse_sender_name(raw, kind)


def test_homoglyph_is_named_in_the_refusal() -> None:
    with pytest.raises(InvalidSenderName, match="U\\+0430"):
        parse_sender_name("B\u0430nk", "alphanumeric")


@pytest.fixture
def brands() -> ProtectedBrands:
    return ProtectedBrands.load(Path(DispatchSettings().protected_brands_file))


@pytest.mark.parametrize(
    "name", ["Google", "GOOGLE", "G00GLE", "Goo-gle", "g.o.o.g.l.e", "PayPa1", "Pay Pal", "AppIe"]
)
def test_protected_brands_and_look_alikes(brands: ProtectedBrands, name: str) -> None:
    assert brands.match(name) is not None


@pytest.mark.parametrize("name", ["Acme", "Googles", "Pineapple", "MyBank"])
def test_other_names_are_not_protected(brands: ProtectedBrands, name: str) -> None:
    assert brands.match(name) is None


def test_an_operators_own_list(tmp_path: Path) -> None:
    listed = tmp_path / "brands.txt"
    listed.write_text("# ours\nAcme Bank\n\n", encoding="utf-8")

    brands = ProtectedBrands.load(listed)

    assert brands.match("ACME-BANK") == "Acme Bank"
    assert brands.match("Google") is None

from pathlib import Path

import pytest

from dispatch_service.config import DispatchSettings
from dispatch_service.destinations.policy import NO_EXCEPTIONS, Exceptions, Refusal, check
from dispatch_service.destinations.ranges import HighRiskRanges, InvalidRangesFile
from dispatch_service.messages.phone import parse_phone_number


@pytest.fixture(scope="module")
def ranges() -> HighRiskRanges:
    return HighRiskRanges.load(DispatchSettings().high_risk_ranges_file)


def _check(
    ranges: HighRiskRanges,
    raw: str,
    countries: frozenset[str] = frozenset(),
    exceptions: Exceptions = NO_EXCEPTIONS,
) -> Refusal | None:
    number = parse_phone_number(raw)
    return check(
        number.e164,
        number.region,
        ranges=ranges,
        default_countries=countries,
        exceptions=exceptions,
    )


def test_shipped_ranges_block_satellite_and_premium(ranges: HighRiskRanges) -> None:
    assert _check(ranges, "+881631234567") == Refusal("destination_blocked", category="satellite")
    assert _check(ranges, "+979123456789") == Refusal(
        "destination_blocked", category="international_premium"
    )
    assert _check(ranges, "+447700900123") is None


def test_an_enabled_category_lets_its_ranges_through(ranges: HighRiskRanges) -> None:
    enabled = Exceptions(allowed_categories=frozenset({"satellite"}))
    assert _check(ranges, "+881631234567", exceptions=enabled) is None
    assert _check(ranges, "+979123456789", exceptions=enabled) is not None


def test_country_allow_list_with_account_exceptions(ranges: HighRiskRanges) -> None:
    gb = frozenset({"GB"})
    assert _check(ranges, "+447700900123", gb) is None
    assert _check(ranges, "+33612345678", gb) == Refusal("country_not_allowed", country="FR")
    fr = Exceptions(allowed_countries=frozenset({"FR"}))
    assert _check(ranges, "+33612345678", gb, fr) is None


def test_longest_prefix_wins_and_bad_lines_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ranges.txt"
    path.write_text("+88 a  # wide\n+8816 b\n", encoding="utf-8")
    loaded = HighRiskRanges.load(path)
    assert loaded.match("+881612345") is not None
    assert loaded.match("+881612345").category == "b"  # type: ignore[union-attr]
    assert loaded.match("+882012345").category == "a"  # type: ignore[union-attr]
    path.write_text("881 satellite\n", encoding="utf-8")
    with pytest.raises(InvalidRangesFile):
        HighRiskRanges.load(path)


def test_default_countries_setting_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_DEFAULT_ALLOWED_COUNTRIES", "gb, de")
    assert DispatchSettings().default_allowed_countries == frozenset({"GB", "DE"})
    monkeypatch.setenv("DISPATCH_DEFAULT_ALLOWED_COUNTRIES", "GBR")
    with pytest.raises(ValueError, match="ISO alpha-2"):
        DispatchSettings()

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


def test_company_countries_always_apply_with_the_default_list_and_exceptions(
    ranges: HighRiskRanges,
) -> None:
    def by_company(raw: str, company: frozenset[str], default: frozenset[str]) -> Refusal | None:
        number = parse_phone_number(raw)
        return check(
            number.e164,
            number.region,
            ranges=ranges,
            default_countries=default,
            exceptions=Exceptions(allowed_countries=frozenset({"FR"})),
            company_countries=company,
        )

    uk_company, nothing = frozenset({"GB", "IE"}), frozenset[str]()
    assert by_company("+447700900123", uk_company, nothing) is None
    assert by_company("+353851234567", uk_company, nothing) is None
    assert by_company("+33612345678", uk_company, nothing) is None  # enabled
    assert by_company("+31612345678", uk_company, nothing) == Refusal(
        "country_not_allowed", country="NL"
    )
    assert by_company("+31612345678", uk_company, frozenset({"NL"})) is None  # the default
    # No company known and no default list: only what was enabled, not every country.
    assert by_company("+447700900123", nothing, nothing) == Refusal(
        "country_not_allowed", country="GB"
    )
    # The high-risk ranges still come first.
    assert by_company("+881631234567", uk_company, nothing) == Refusal(
        "destination_blocked", category="satellite"
    )


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

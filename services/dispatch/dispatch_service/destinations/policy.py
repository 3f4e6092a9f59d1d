"""Whether an account may send to a number: high-risk ranges, then the country allow-list."""

from dataclasses import dataclass

from dispatch_service.destinations.ranges import HighRiskRanges


@dataclass(frozen=True, slots=True)
class Exceptions:
    """What an operator enabled for one account beyond the defaults."""

    allowed_categories: frozenset[str] = frozenset()
    allowed_countries: frozenset[str] = frozenset()


NO_EXCEPTIONS = Exceptions()


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # destination_blocked | country_not_allowed
    category: str | None = None
    country: str | None = None


def check(
    e164: str,
    region: str | None,
    *,
    ranges: HighRiskRanges,
    default_countries: frozenset[str],
    exceptions: Exceptions,
    company_countries: frozenset[str] | None = None,
) -> Refusal | None:
    """None when the account may send to the number. With `company_countries` (the
    account's contracting company's, DISPATCH_ALLOW_LIST_BY_COMPANY) the allow-list is
    always applied: those, the default list and the account's enabled countries. Without
    them, an empty default list allows every country (dev, tests) and a non-empty one allows
    it plus the enabled countries. A number with no country (non-geographic) is judged by
    the ranges alone."""
    hit = ranges.match(e164)
    if hit is not None and hit.category not in exceptions.allowed_categories:
        return Refusal("destination_blocked", category=hit.category)
    if region is None:
        return None
    if company_countries is None:
        if not default_countries:
            return None
        allowed = default_countries
    else:
        allowed = default_countries | company_countries
    if region not in allowed and region not in exceptions.allowed_countries:
        return Refusal("country_not_allowed", country=region)
    return None

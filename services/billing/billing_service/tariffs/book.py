"""What a part costs to a destination, answered from memory: charging is the hot path.

The flat BILLING_PRICE_PER_PART is the public tariff until the public tariff's first version
takes effect, so a fresh install (no tariffs at all) charges what it always did.

Currencies (issue 10 item 5): an account is priced only in its balance's currency, by its own
plan (created in that currency), else by the public tariff of that currency; the flat price
is in BILLING_CURRENCY only, so an account in another currency has no price until its
currency's public tariff is in force.
"""

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

MAX_PREFIX_DIGITS = 15  # E.164


@dataclass(frozen=True, slots=True)
class VersionPrices:
    id: UUID
    tariff_id: UUID
    effective_from: datetime
    currency: str
    prices: Mapping[str, int]  # prefix digits -> ten-thousandths per part

    def price_of(self, digits: str) -> tuple[str, int] | None:
        """(matching prefix, price) of the longest prefix of `digits` priced here."""
        for length in range(min(len(digits), MAX_PREFIX_DIGITS), 0, -1):
            prefix = digits[:length]
            price = self.prices.get(prefix)
            if price is not None:
                return prefix, price
        return None


@dataclass(frozen=True, slots=True)
class Timeline:
    """One tariff's versions, oldest first."""

    versions: list[VersionPrices]
    _starts: list[datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.versions.sort(key=lambda version: version.effective_from)
        object.__setattr__(self, "_starts", [v.effective_from for v in self.versions])

    def in_force(self, at: datetime) -> VersionPrices | None:
        index = bisect.bisect_right(self._starts, at)
        return self.versions[index - 1] if index else None

    def after(self, at: datetime) -> VersionPrices | None:
        index = bisect.bisect_right(self._starts, at)
        return self.versions[index] if index < len(self.versions) else None


@dataclass(frozen=True, slots=True)
class PartPrice:
    units: int  # ten-thousandths per part
    currency: str
    version_id: UUID | None  # None: the flat setting


class TariffBook:
    """Every tariff version, immutable: a snapshot that a refresh replaces whole."""

    def __init__(
        self,
        versions: Iterable[tuple[UUID | None, VersionPrices]],
        *,
        flat_units: int,
        currency: str,
    ) -> None:
        public: dict[str, list[VersionPrices]] = {}
        plans: dict[UUID, list[VersionPrices]] = {}
        for account_id, version in versions:
            if account_id is None:
                public.setdefault(version.currency, []).append(version)
            else:
                plans.setdefault(account_id, []).append(version)
        self.public = {code: Timeline(v) for code, v in public.items()}
        self.plans = {account_id: Timeline(v) for account_id, v in plans.items()}
        self.flat = PartPrice(flat_units, currency, None)

    def _timelines(self, account_id: UUID, currency: str) -> tuple[Timeline | None, Timeline]:
        """The account's plan (None when it has none, or one in a currency its balance left
        behind) and the public tariff of `currency`."""
        plan = self.plans.get(account_id)
        if plan and plan.versions[0].currency != currency:
            plan = None
        return plan, self.public.get(currency) or _NO_VERSIONS

    def version_for(self, account_id: UUID, at: datetime, currency: str) -> VersionPrices | None:
        """The account's plan version in force at `at`, else the public one's of the
        account's `currency`; None while none is (the flat price, or no price at all)."""
        plan, public = self._timelines(account_id, currency)
        version = plan.in_force(at) if plan else None
        return version or public.in_force(at)

    def next_for(self, account_id: UUID, at: datetime, currency: str) -> VersionPrices | None:
        """The version that will replace `version_for(...)`, if one is scheduled."""
        plan, public = self._timelines(account_id, currency)
        if plan and plan.in_force(at):
            return plan.after(at)
        upcoming = [v for v in (plan.after(at) if plan else None, public.after(at)) if v]
        return min(upcoming, key=lambda v: v.effective_from) if upcoming else None

    def flat_for(self, currency: str) -> PartPrice | None:
        """The flat price, for an account in BILLING_CURRENCY."""
        return self.flat if currency == self.flat.currency else None

    def price_of(
        self, account_id: UUID, destination: str | None, at: datetime, currency: str
    ) -> PartPrice | None:
        """The price of one part to `destination` (E.164) for a message accepted at `at`,
        in `currency` (the account's balance's); None when the tariff in force has no prefix
        of it, or no tariff in that currency is (`no_tariff`)."""
        version = self.version_for(account_id, at, currency)
        if version is None:
            return self.flat_for(currency)
        if destination is None:
            # An event from before destinations were sent along (all in one currency then):
            # nothing to price it by but the flat price.
            return self.flat_for(currency)
        match = version.price_of(destination.removeprefix("+"))
        return None if match is None else PartPrice(match[1], version.currency, version.id)


_NO_VERSIONS = Timeline([])

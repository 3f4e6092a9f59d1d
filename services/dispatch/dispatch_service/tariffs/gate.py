"""The tariff gate each dispatch process keeps: refuses at send time a destination billing
would decline `no_tariff`, by the same rule billing prices with (billing_service.tariffs.book):
the account's plan version in force, else the public one's of the account's currency, a
prefix of the number; while no such version is in force, billing decides (the flat price, or
a decline for an account in another currency than BILLING_CURRENCY), so nothing is refused
here: the gate must never refuse what billing would price.

Loaded at most every `tariffs_refresh_seconds`; versions never change, so a load reads the
list of versions and only the prefixes of versions it has not seen. Bound: a new version is
enforced here within that interval after the inbox consumer stores it. An account's currency
(billing's `billing.company_assigned`) is read once per that interval too, when it sends, and
not at all while no version says a currency.
"""

import bisect
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.destinations.repository import company_currency
from dispatch_service.reloading import Reloading
from dispatch_service.tariffs import repository
from shared.errors import ProblemError, problem_response_doc
from shared.events import utcnow

MAX_PREFIX_DIGITS = 15


class NoTariff(ProblemError):
    def __init__(self, destinations: list[str]) -> None:
        super().__init__(
            422,
            "no_tariff",
            "No tariff",
            f"The account's tariff has no price for {', '.join(destinations)}",
            destinations=destinations,
        )


NO_TARIFF_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_response_doc(422),
        "description": "`no_tariff`: the account's tariff has no price for the destination "
        "(a batch lists such entries in `rejected` with that code); nothing was accepted",
    }
}


@dataclass(frozen=True, slots=True)
class VersionPrefixes:
    effective_from: datetime
    prefixes: frozenset[str]
    # The tariff's currency (ISO 4217). None: published before currencies were said, when
    # every tariff and balance was in one: so it applies whatever the account's currency.
    currency: str | None = None


class _Timeline:
    def __init__(self, versions: Iterable[VersionPrefixes] = ()) -> None:
        self.versions = sorted(versions, key=lambda v: v.effective_from)
        self._starts = [v.effective_from for v in self.versions]
        self.currencies = {v.currency for v in self.versions} - {None}

    def in_force(self, at: datetime) -> VersionPrefixes | None:
        index = bisect.bisect_right(self._starts, at)
        return self.versions[index - 1] if index else None

    def of(self, currency: str) -> "_Timeline":
        """Only the versions that apply to an account in `currency`."""
        return _Timeline(v for v in self.versions if v.currency in (None, currency))


class Coverage:
    def __init__(self, versions: Iterable[tuple[UUID | None, VersionPrefixes]] = ()) -> None:
        public: dict[str | None, list[VersionPrefixes]] = {}
        plans: dict[UUID, list[VersionPrefixes]] = {}
        for account_id, version in versions:
            if account_id is None:
                public.setdefault(version.currency, []).append(version)
            else:
                plans.setdefault(account_id, []).append(version)
        no_currency = public.pop(None, [])
        # One public tariff per currency; the versions from before currencies in each.
        self.public = {c: _Timeline([*v, *no_currency]) for c, v in public.items()}
        self._no_currency = _Timeline(no_currency)
        # An account whose currency is not known (yet): only the versions from before
        # currencies. Even one currency's public tariff may not be the account's: an account
        # in BILLING_CURRENCY without a public tariff of its own is priced flat by billing,
        # and refusing it by a dollar tariff would refuse what billing prices.
        self._unknown_currency = self._no_currency
        self.plans = {account_id: _Timeline(v) for account_id, v in plans.items()}

    def needs_currency(self, account_id: UUID) -> bool:
        """Whether the account's currency could change what `priced` answers: not while no
        version says a currency (before billing had several)."""
        plan = self.plans.get(account_id)
        return bool(self.public) or bool(plan and plan.currencies)

    def priced(
        self, account_id: UUID, destination: str, at: datetime, currency: str | None = None
    ) -> bool:
        """Whether billing would price `destination` for the account at `at`, the account
        being in `currency` (None: not known)."""
        plan = self.plans.get(account_id)
        if plan is not None and currency is not None and plan.currencies - {currency}:
            # Billing creates a plan in the account's currency; one in another (the account
            # moved to a company in another currency) is not the account's to price by.
            plan = plan.of(currency)
        version = plan.in_force(at) if plan else None
        if version is None:
            public = (
                self._unknown_currency
                if currency is None
                else self.public.get(currency, self._no_currency)
            )
            version = public.in_force(at)
        if version is None:
            return True
        digits = destination.removeprefix("+")
        return any(
            digits[:length] in version.prefixes
            for length in range(min(len(digits), MAX_PREFIX_DIGITS), 0, -1)
        )


# Accounts whose currency a process keeps at most (the ones sending lately).
_MAX_CACHED_ACCOUNTS = 50_000


class TariffGate:
    def __init__(self, settings: DispatchSettings) -> None:
        self.settings = settings
        self._seen: dict[UUID, frozenset[str]] = {}
        self.coverage: Reloading[Coverage] = Reloading(self._load, Coverage())
        # account -> (when read, its currency or None: not said yet).
        self._currencies: dict[UUID, tuple[float, str | None]] = {}

    async def _load(self, session: AsyncSession) -> Coverage:
        rows = await repository.versions(session)
        unseen = [row.version_id for row in rows if row.version_id not in self._seen]
        for version_id, text in (await repository.prefixes(session, unseen)).items():
            self._seen[version_id] = frozenset(text.split())
        return Coverage(
            (
                row.account_id,
                VersionPrefixes(row.effective_from, self._seen[row.version_id], row.currency),
            )
            for row in rows
        )

    async def _currency(self, session: AsyncSession, account_id: UUID) -> str | None:
        """The account's currency, read at most once per refresh interval (an indexed
        lookup by key), and not at all while the coverage does not depend on it."""
        if not self.coverage.value.needs_currency(account_id):
            return None
        now = time.monotonic()
        cached = self._currencies.get(account_id)
        if cached is not None and now - cached[0] < self.settings.tariffs_refresh_seconds:
            return cached[1]
        if len(self._currencies) >= _MAX_CACHED_ACCOUNTS:
            self._currencies.clear()  # the accounts sending now read theirs again
        currency = await company_currency(session, account_id)
        self._currencies[account_id] = (now, currency)
        return currency

    async def unpriced(
        self, session: AsyncSession, account_id: UUID, destinations: Iterable[str]
    ) -> set[str]:
        """The destinations billing would have no price for if accepted now."""
        await self.coverage.refresh(session, self.settings.tariffs_refresh_seconds)
        currency = await self._currency(session, account_id)
        coverage, now = self.coverage.value, utcnow()
        return {d for d in destinations if not coverage.priced(account_id, d, now, currency)}

    async def check(self, session: AsyncSession, account_id: UUID, destination: str) -> None:
        if await self.unpriced(session, account_id, [destination]):
            raise NoTariff([destination])


async def _tariff_gate(request: Request) -> TariffGate:
    # One per app (so per process), made on first use.
    state = request.app.state
    gate: TariffGate | None = getattr(state, "tariff_gate", None)
    if gate is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        gate = state.tariff_gate = TariffGate(settings)
    return gate


TariffGateDep = Annotated[TariffGate, Depends(_tariff_gate)]

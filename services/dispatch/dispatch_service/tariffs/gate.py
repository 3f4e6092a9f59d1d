"""The tariff gate each dispatch process keeps: refuses at send time a destination billing
would decline `no_tariff`, by the same rule billing prices with (billing_service.tariffs.book):
the account's plan version in force, else the public one's, a prefix of the number; while no
public version is in force, the flat price covers every destination.

Loaded at most every `tariffs_refresh_seconds`; versions never change, so a load reads the
list of versions and only the prefixes of versions it has not seen. Bound: a new version is
enforced here within that interval after the inbox consumer stores it.
"""

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
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


@dataclass(slots=True)
class _Timeline:
    versions: list[VersionPrefixes] = field(default_factory=list)

    def in_force(self, at: datetime) -> VersionPrefixes | None:
        index = bisect.bisect_right([v.effective_from for v in self.versions], at)
        return self.versions[index - 1] if index else None


class Coverage:
    def __init__(self, versions: Iterable[tuple[UUID | None, VersionPrefixes]] = ()) -> None:
        self.public = _Timeline()
        self.plans: dict[UUID, _Timeline] = {}
        for account_id, version in versions:
            timeline = (
                self.public
                if account_id is None
                else self.plans.setdefault(account_id, _Timeline())
            )
            timeline.versions.append(version)
        for timeline in (self.public, *self.plans.values()):
            timeline.versions.sort(key=lambda v: v.effective_from)

    def priced(self, account_id: UUID, destination: str, at: datetime) -> bool:
        plan = self.plans.get(account_id)
        version = (plan.in_force(at) if plan else None) or self.public.in_force(at)
        if version is None:
            return True
        digits = destination.removeprefix("+")
        return any(
            digits[:length] in version.prefixes
            for length in range(min(len(digits), MAX_PREFIX_DIGITS), 0, -1)
        )


class TariffGate:
    def __init__(self, settings: DispatchSettings) -> None:
        self.settings = settings
        self._seen: dict[UUID, frozenset[str]] = {}
        self.coverage: Reloading[Coverage] = Reloading(self._load, Coverage())

    async def _load(self, session: AsyncSession) -> Coverage:
        rows = await repository.versions(session)
        unseen = [version_id for version_id, _, _ in rows if version_id not in self._seen]
        for version_id, text in (await repository.prefixes(session, unseen)).items():
            self._seen[version_id] = frozenset(text.split())
        return Coverage(
            (account_id, VersionPrefixes(effective_from, self._seen[version_id]))
            for version_id, account_id, effective_from in rows
        )

    async def unpriced(
        self, session: AsyncSession, account_id: UUID, destinations: Iterable[str]
    ) -> set[str]:
        """The destinations billing would have no price for if accepted now."""
        await self.coverage.refresh(session, self.settings.tariffs_refresh_seconds)
        coverage, now = self.coverage.value, utcnow()
        return {d for d in destinations if not coverage.priced(account_id, d, now)}

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

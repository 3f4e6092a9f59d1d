"""The destination gate each dispatch process keeps: refuses at intake a number in a
high-risk range whose category is not enabled for the account, or in a country outside its
allow-list (DISPATCH_DEFAULT_ALLOWED_COUNTRIES, with DISPATCH_ALLOW_LIST_BY_COMPANY its
contracting company's countries, plus what an operator enabled for it, /v1/ops/destinations).
The exceptions are reloaded every DISPATCH_DESTINATIONS_REFRESH_SECONDS, so a check costs no
query; an account's company countries are read once per that interval too, when it sends."""

import time
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.destinations import repository
from dispatch_service.destinations.policy import NO_EXCEPTIONS, Exceptions, Refusal, check
from dispatch_service.destinations.ranges import HighRiskRanges
from dispatch_service.messages.phone import PhoneNumber
from dispatch_service.reloading import Reloading
from shared.app import SessionDep
from shared.errors import ProblemError, problem_response_doc


def refusal_detail(refusal: Refusal, e164: str) -> str:
    if refusal.code == "destination_blocked":
        return f"{e164} is in a blocked {refusal.category} range; an operator can enable it"
    return f"{e164} is in {refusal.country}, which the account may not send to"


class DestinationRefused(ProblemError):
    def __init__(self, refusal: Refusal, e164: str) -> None:
        blocked = refusal.code == "destination_blocked"
        title = "Destination blocked" if blocked else "Country not allowed"
        detail = refusal_detail(refusal, e164)
        if blocked:
            super().__init__(403, refusal.code, title, detail, category=refusal.category)
        else:
            super().__init__(403, refusal.code, title, detail, country=refusal.country)


DESTINATION_REFUSED_RESPONSE: dict[int | str, dict[str, Any]] = {
    403: {
        **problem_response_doc(403),
        "description": "`destination_blocked` (with `category`): a premium-rate, satellite "
        "or shared-cost range not enabled for the account; `country_not_allowed` (with "
        "`country`): outside the account's allow-list. A batch lists such entries in "
        "`rejected` with those codes",
    }
}


# Accounts whose company countries a process keeps at most (the ones sending lately).
_MAX_CACHED_ACCOUNTS = 50_000


class DestinationGate:
    def __init__(self, settings: DispatchSettings) -> None:
        self.ranges = HighRiskRanges.load(settings.high_risk_ranges_file)
        self.default_countries = settings.default_allowed_countries
        self.by_company = settings.allow_list_by_company
        self._max_age = settings.destinations_refresh_seconds
        # account -> (when read, its company's countries or None: not assigned yet).
        self._companies: dict[UUID, tuple[float, frozenset[str] | None]] = {}
        self.exceptions: Reloading[dict[UUID, Exceptions]] = Reloading(
            repository.all_exceptions, {}
        )

    async def refresh(self, session: AsyncSession) -> None:
        await self.exceptions.refresh(session, self._max_age)

    def reload_after_commit(self, session: AsyncSession) -> None:
        """The request's session changes exceptions: once it commits, this process loads
        them again (before the commit, a load would still see the old)."""
        event.listen(session.sync_session, "after_commit", lambda _: self.exceptions.invalidate())

    async def load_account(self, session: AsyncSession, account_id: UUID) -> None:
        """Read the account's company countries unless read in the last refresh interval:
        before `check` or `refusal` for the account, when the allow-list is by company."""
        if not self.by_company:
            return
        now = time.monotonic()
        cached = self._companies.get(account_id)
        if cached is not None and now - cached[0] < self._max_age:
            return
        if len(self._companies) >= _MAX_CACHED_ACCOUNTS:
            self._companies.clear()  # the accounts sending now read theirs again
        countries = await repository.company_countries(session, account_id)
        self._companies[account_id] = (now, countries)

    async def defaults_for(self, session: AsyncSession, account_id: UUID) -> frozenset[str]:
        """The countries the account may send to before any an operator enabled (for the
        operators' view; empty without a company and a default list: every country)."""
        if not self.by_company:
            return self.default_countries
        countries = await repository.company_countries(session, account_id)
        return self.default_countries | (countries or frozenset())

    def refusal(self, account_id: UUID, phone: PhoneNumber) -> Refusal | None:
        company: frozenset[str] | None = None
        if self.by_company:
            cached = self._companies.get(account_id)
            # Not assigned (or not loaded): the default list alone, still applied.
            company = (cached[1] if cached else None) or frozenset()
        return check(
            phone.e164,
            phone.region,
            ranges=self.ranges,
            default_countries=self.default_countries,
            exceptions=self.exceptions.value.get(account_id, NO_EXCEPTIONS),
            company_countries=company,
        )

    def check(self, account_id: UUID, phone: PhoneNumber) -> None:
        refusal = self.refusal(account_id, phone)
        if refusal is not None:
            raise DestinationRefused(refusal, phone.e164)


def destination_gate(request: Request) -> DestinationGate:
    # One per app (so per process), made on first use.
    state = request.app.state
    gate: DestinationGate | None = getattr(state, "destination_gate", None)
    if gate is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        gate = state.destination_gate = DestinationGate(settings)
    return gate


async def _fresh_destination_gate(request: Request, session: SessionDep) -> DestinationGate:
    gate = destination_gate(request)
    await gate.refresh(session)
    return gate


DestinationGateDep = Annotated[DestinationGate, Depends(_fresh_destination_gate)]

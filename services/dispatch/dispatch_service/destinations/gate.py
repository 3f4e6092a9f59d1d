"""The destination gate each dispatch process keeps: refuses at intake a number in a
high-risk range whose category is not enabled for the account, or in a country outside its
allow-list. Per-account exceptions are not stored yet (operator routes to come): every
account gets the shipped ranges and DISPATCH_DEFAULT_ALLOWED_COUNTRIES."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from dispatch_service.config import DispatchSettings
from dispatch_service.destinations.policy import NO_EXCEPTIONS, Refusal, check
from dispatch_service.destinations.ranges import HighRiskRanges
from dispatch_service.messages.phone import PhoneNumber
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


class DestinationGate:
    def __init__(self, settings: DispatchSettings) -> None:
        self._ranges = HighRiskRanges.load(settings.high_risk_ranges_file)
        self._countries = settings.default_allowed_countries

    def refusal(self, account_id: UUID, phone: PhoneNumber) -> Refusal | None:
        return check(
            phone.e164,
            phone.region,
            ranges=self._ranges,
            default_countries=self._countries,
            exceptions=NO_EXCEPTIONS,
        )

    def check(self, account_id: UUID, phone: PhoneNumber) -> None:
        refusal = self.refusal(account_id, phone)
        if refusal is not None:
            raise DestinationRefused(refusal, phone.e164)


async def _destination_gate(request: Request) -> DestinationGate:
    # One per app (so per process), made on first use.
    state = request.app.state
    gate: DestinationGate | None = getattr(state, "destination_gate", None)
    if gate is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        gate = state.destination_gate = DestinationGate(settings)
    return gate


DestinationGateDep = Annotated[DestinationGate, Depends(_destination_gate)]

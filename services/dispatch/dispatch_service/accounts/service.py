"""The account-state gate each dispatch process keeps.

Reading the account's state on every send would add a round trip to every request, so a
process loads every account that may not send (a small map: most accounts are active and
have no row, or an `active` one) at most every `account_states_refresh_seconds`. Bound: a
state change is enforced within that interval after the inbox consumer stores it.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts import repository
from dispatch_service.config import DispatchSettings
from dispatch_service.reloading import Reloading
from shared.errors import ProblemError, problem_response_doc

_REFUSALS = {
    "suspended": ("account_suspended", "Account suspended"),
    "blocked": ("account_blocked", "Account blocked"),
    "closed": ("account_closed", "Account closed"),
}


class AccountNotActive(ProblemError):
    def __init__(self, state: str, reason: str | None) -> None:
        code, title = _REFUSALS[state]
        detail = f"The account is {state}; sending is refused"
        super().__init__(403, code, title, f"{detail}: {reason}" if reason else detail)


# For the `responses` of every operation that takes in messages.
ACCOUNT_NOT_ACTIVE_RESPONSE: dict[int | str, dict[str, Any]] = {
    403: {
        **problem_response_doc(403),
        "description": "`account_suspended` (unpaid: reads still work), `account_blocked` "
        "(abuse) or `account_closed` (by its owner; logging in again reopens it): the "
        "account may not send, `detail` says why; nothing was accepted",
    }
}


class AccountStates:
    def __init__(self, settings: DispatchSettings) -> None:
        self.settings = settings
        self.refused: Reloading[dict[UUID, tuple[str, str | None]]] = Reloading(
            repository.not_active, {}
        )

    async def check(self, session: AsyncSession, account_id: UUID) -> None:
        """Raise AccountNotActive unless the account may send, as last loaded."""
        await self.refresh(session)
        refused = self.refused.value.get(account_id)
        if refused is not None and refused[0] in _REFUSALS:
            raise AccountNotActive(*refused)

    async def refresh(self, session: AsyncSession) -> None:
        """Load the states again if they are older than the refresh interval."""
        await self.refused.refresh(session, self.settings.account_states_refresh_seconds)


async def _account_states(request: Request) -> AccountStates:
    # One map per app (so per process), loaded on first use.
    state = request.app.state
    states: AccountStates | None = getattr(state, "account_states", None)
    if states is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        states = state.account_states = AccountStates(settings)
    return states


AccountStatesDep = Annotated[AccountStates, Depends(_account_states)]

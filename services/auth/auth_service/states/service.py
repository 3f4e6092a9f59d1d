"""An account's state: the one place it changes, with its event and its audit record in the
same transaction (issue 7, item 5).

active: normal. suspended (non-payment): reads allowed, sending refused. blocked (abuse):
everything refused but logging in and reading the account, to see the reason. closed (by
its owner): everything refused but logging in, which reopens it. The gateway and dispatch
enforce this from the `account.state_changed` events, not from tokens.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.audit import service as audit
from auth_service.audit.service import Action, Actor, Origin
from auth_service.db import Outbox
from auth_service.profile.service import caller
from auth_service.sessions.repository import RefreshTokens
from auth_service.states.repository import account_for_update
from shared.errors import ProblemError
from shared.events import AccountState, AccountStateChanged, utcnow
from shared.outbox import add_event
from shared.security import Principal


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[AccountState]
    target: AccountState
    action: Action


SUSPEND = Transition("suspend", frozenset({"active"}), "suspended", "account.suspended")
REINSTATE = Transition("reinstate", frozenset({"suspended"}), "active", "account.reinstated")
# Abuse found on a suspended or closed account still blocks it (and a closed one then
# no longer reopens by logging in).
BLOCK = Transition(
    "block", frozenset({"active", "suspended", "closed"}), "blocked", "account.blocked"
)
UNBLOCK = Transition("unblock", frozenset({"blocked"}), "active", "account.unblocked")
# Only an active account closes: closing a suspended one and logging in again would
# otherwise lift the suspension.
CLOSE = Transition("close", frozenset({"active"}), "closed", "account.closed")
REOPEN = Transition("reopen", frozenset({"closed"}), "active", "account.reopened")


class InvalidStateTransition(ProblemError):
    def __init__(self, transition: Transition, state: str) -> None:
        super().__init__(
            409,
            "invalid_state_transition",
            "Invalid state transition",
            f"Cannot {transition.name} an account that is {state}",
            state=state,
        )


async def change_state(
    session: AsyncSession,
    origin: Origin,
    account: Account,
    transition: Transition,
    actor: Actor,
    reason: str | None = None,
) -> None:
    """Moves `account` along `transition` or raises InvalidStateTransition; the event and
    the audit record are kept exactly when the change is (the caller's transaction)."""
    if account.state not in transition.sources:
        raise InvalidStateTransition(transition, account.state)
    previous = account.state
    account.state = transition.target
    # The reason belongs to the state it explains; back to active, there is none.
    account.state_reason = reason if transition.target != "active" else None
    await session.flush()
    add_event(
        session,
        Outbox,
        AccountStateChanged(
            account_id=account.id, state=transition.target, reason=account.state_reason
        ),
    )
    await audit.record(
        session,
        origin,
        account_id=account.id,
        actor=actor,
        action=transition.action,
        object_type="account",
        object_id=account.id,
        details={"from": previous, "to": transition.target},
    )


async def close(session: AsyncSession, principal: Principal, origin: Origin) -> None:
    # Who may close it (account:close) is checked by the route (shared.roles).
    user, _ = await caller(session, principal)
    account = await account_for_update(session, user.account_id)
    assert account is not None  # caller() found it
    await change_state(session, origin, account, CLOSE, Actor.user(user.id))
    await RefreshTokens(session).revoke_account(account.id, utcnow())


async def reopen_on_login(session: AsyncSession, origin: Origin, user: User) -> bool:
    """Logging in to a closed account reopens it; says whether it did."""
    account = await account_for_update(session, user.account_id)
    if account is None or account.state != "closed":
        return False
    await change_state(session, origin, account, REOPEN, Actor.user(user.id))
    return True

"""Account states at the edge: what a suspended, blocked or closed account may still do.

Each gateway process keeps the latest `account.state_changed` of every account, read from
auth's `auth.accounts` topic like the API keys (gateway.topic_feed): no call to auth per
request, and an operator's action reaches every replica as soon as its event does. The
events are keyed by account, so one partition holds an account's whole history in order
and the last one read is its state; an account never heard of is active.

Unlike an API key, a state is not a credential: the token was checked already. So until
the first replay has caught up the gateway refuses nothing on the state's account (it
would be refusing on a half-read history: a block read, its reinstatement not yet) and
logs; /readyz keeps such a replica out of traffic meanwhile, and dispatch enforces too.
A reconnect replays into a fresh projection while the one already read keeps enforcing.
"""

import logging
import time
from dataclasses import dataclass
from uuid import UUID

from gateway.topic_feed import TopicFeed
from shared.errors import ProblemError
from shared.events import AccountState, AccountStateChanged, AnyEvent

log = logging.getLogger(__name__)

TOPIC = AccountStateChanged.topic
# What a suspended account may not do: everything that sends (and so costs) a message.
SENDING: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/v1/messages"),
        ("POST", "/v1/messages/batch"),
    }
)
# What a blocked account may still do besides logging in (public routes, never checked
# here): see its account, which says why.
BLOCKED_MAY: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/v1/account"),
        ("HEAD", "/v1/account"),
    }
)
# What a closed account may still do besides logging in (which reopens it): see and claim
# the refund of its balance (issue 10 item 7, R14) with the token it closed with.
CLOSED_MAY: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/v1/billing/refund-request"),
        ("POST", "/v1/billing/refund-request/bank-details"),
    }
)
_TITLES = {
    "suspended": "Account suspended",
    "blocked": "Account blocked",
    "closed": "Account closed",
}
_DETAILS = {
    "suspended": "This account is suspended: it cannot send messages until it is reinstated",
    "blocked": "This account is blocked",
    "closed": "This account is closed; log in again to reopen it",
}
# How often "not caught up yet, not enforcing" may be logged.
_LOG_EVERY_SECONDS = 10.0


@dataclass(frozen=True)
class KnownState:
    state: AccountState
    reason: str | None = None


ACTIVE = KnownState("active")


class AccountRefused(ProblemError):
    def __init__(self, known: KnownState) -> None:
        detail = _DETAILS[known.state]
        if known.reason:
            detail = f"{detail}: {known.reason}"
        super().__init__(403, f"account_{known.state}", _TITLES[known.state], detail)


def refused(state: AccountState, method: str, path: str) -> bool:
    """Whether an account in `state` may not do `method path` (a route behind a token)."""
    request = (method.upper(), path)
    if state == "suspended":
        return request in SENDING
    if state == "blocked":
        return request not in BLOCKED_MAY
    return state == "closed" and request not in CLOSED_MAY


class StateProjection:
    """The latest state of every account that ever changed state."""

    def __init__(self) -> None:
        self._by_account: dict[UUID, KnownState] = {}

    def apply(self, event: AccountStateChanged) -> None:
        if event.state == "active":
            self._by_account.pop(event.account_id, None)  # the default: nothing to keep
        else:
            self._by_account[event.account_id] = KnownState(event.state, event.reason)

    def state_of(self, account_id: UUID) -> KnownState:
        return self._by_account.get(account_id, ACTIVE)


class AccountStates:
    """What the proxy asks: may this account do this?"""

    def __init__(self, bootstrap_servers: str, max_lag_seconds: float) -> None:
        self.projection = StateProjection()
        self._replaying = StateProjection()
        self.enforcing = False
        self._last_warned = -_LOG_EVERY_SECONDS
        self.feed = TopicFeed(
            bootstrap_servers,
            TOPIC,
            "Account state projection",
            self._apply,
            max_lag_seconds,
            restart=self._restart,
            caught_up=self._caught_up,
        )

    def _restart(self) -> None:
        self._replaying = StateProjection()

    def _apply(self, event: AnyEvent) -> None:
        if isinstance(event, AccountStateChanged):
            self._replaying.apply(event)

    def _caught_up(self) -> None:
        # From here on the feed's events land straight in the projection in use.
        self.projection = self._replaying
        self.enforcing = True

    def check(self, account_id: UUID, method: str, path: str) -> None:
        """Raises the account's 403 problem when its state forbids `method path`."""
        if not self.enforcing:
            now = time.monotonic()
            if now - self._last_warned >= _LOG_EVERY_SECONDS:
                self._last_warned = now
                log.warning("account states not read yet: not enforced on this request")
            return
        known = self.projection.state_of(account_id)
        if known.state != "active" and refused(known.state, method, path):
            raise AccountRefused(known)

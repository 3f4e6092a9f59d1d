"""The gateway's side of account states without a broker: the table of what each state
refuses, the projection, when it starts enforcing, and the refusals in the public document."""

from typing import Any
from uuid import UUID, uuid4

import pytest

from gateway.account_states import AccountRefused, AccountStates, StateProjection, refused
from gateway.openapi_merge import merge
from shared.events import AccountState, AccountStateChanged


@pytest.mark.parametrize(
    ("state", "method", "path", "refuse"),
    [
        ("active", "POST", "/v1/messages", False),
        ("active", "GET", "/v1/billing/balance", False),
        ("suspended", "POST", "/v1/messages", True),
        ("suspended", "POST", "/v1/messages/batch", True),
        ("suspended", "post", "/v1/messages", True),
        ("suspended", "GET", "/v1/messages", False),
        ("suspended", "GET", "/v1/messages/123", False),
        ("suspended", "GET", "/v1/account", False),
        ("suspended", "POST", "/v1/contacts", False),
        ("suspended", "GET", "/v1/billing/balance", False),
        ("blocked", "GET", "/v1/account", False),
        ("blocked", "HEAD", "/v1/account", False),
        ("blocked", "PATCH", "/v1/account", True),
        ("blocked", "GET", "/v1/messages", True),
        ("blocked", "POST", "/v1/messages", True),
        ("blocked", "GET", "/v1/api-keys", True),
        ("blocked", "GET", "/v1/account/audit-log", True),
        ("closed", "GET", "/v1/account", True),
        ("closed", "GET", "/v1/messages/123", True),
        ("closed", "POST", "/v1/messages", True),
        # Its refund (issue 10 item 7): seen and claimed with the token it closed with.
        ("closed", "GET", "/v1/billing/refund-request", False),
        ("closed", "POST", "/v1/billing/refund-request/bank-details", False),
        ("closed", "GET", "/v1/billing/balance", True),
        ("blocked", "POST", "/v1/billing/refund-request/bank-details", True),
    ],
)
def test_each_state_refuses_what_it_should(
    state: AccountState, method: str, path: str, refuse: bool
) -> None:
    assert refused(state, method, path) is refuse


def _changed(account_id: UUID, state: AccountState, reason: str | None = None) -> Any:
    return AccountStateChanged(account_id=account_id, state=state, reason=reason)


def test_the_latest_state_wins_and_a_full_replay_ends_in_the_same_place() -> None:
    account, other = uuid4(), uuid4()
    history = [
        _changed(account, "suspended", "unpaid invoice"),
        _changed(other, "blocked", "spam"),
        _changed(account, "active"),
        _changed(account, "blocked", "phishing"),
        _changed(other, "active"),
    ]
    projection = StateProjection()
    assert projection.state_of(account).state == "active"  # never heard of: active
    for event in history:
        projection.apply(event)
    assert projection.state_of(account).state == "blocked"
    assert projection.state_of(account).reason == "phishing"
    assert projection.state_of(other).state == "active"
    for event in history:  # the replay after a reconnect reads the same log again
        projection.apply(event)
    assert projection.state_of(account).state == "blocked"
    assert projection.state_of(other).state == "active"
    projection.apply(_changed(account, "active"))
    assert projection.state_of(account).state == "active"


def test_nothing_is_refused_until_the_first_replay_caught_up() -> None:
    states = AccountStates("127.0.0.1:1", 5.0)
    account = uuid4()
    states._restart()
    states._apply(_changed(account, "blocked", "abuse"))
    states.check(account, "POST", "/v1/messages")  # fails open: not read to the end yet
    states._caught_up()
    with pytest.raises(AccountRefused) as refusal:
        states.check(account, "POST", "/v1/messages")
    assert refusal.value.status == 403
    assert refusal.value.code == "account_blocked"
    assert "abuse" in (refusal.value.detail or "")
    states.check(account, "GET", "/v1/account")
    states.check(uuid4(), "POST", "/v1/messages")  # other accounts unaffected


def test_a_reconnect_keeps_enforcing_what_was_read_while_it_replays() -> None:
    states = AccountStates("127.0.0.1:1", 5.0)
    account = uuid4()
    history = [_changed(account, "suspended", "unpaid"), _changed(account, "active")]
    states._restart()
    states._apply(history[0])
    states._caught_up()
    # The reconnect's replay has read the suspension, not yet the reinstatement...
    states._restart()
    states._apply(history[0])
    with pytest.raises(AccountRefused) as refusal:
        states.check(account, "POST", "/v1/messages")
    assert refusal.value.code == "account_suspended"
    states._apply(history[1])
    states._caught_up()
    states.check(account, "POST", "/v1/messages")
    # ...and once caught up, new events apply at once.
    states._apply(_changed(account, "closed"))
    with pytest.raises(AccountRefused) as closed:
        states.check(account, "GET", "/v1/messages")
    assert closed.value.code == "account_closed"


def test_other_event_types_on_the_topic_are_ignored() -> None:
    from shared.events import AccountRegistered

    states = AccountStates("127.0.0.1:1", 5.0)
    account = uuid4()
    states._restart()
    states._apply(AccountRegistered(account_id=account, email="a@example.com", company_name="A"))
    states._caught_up()
    states.check(account, "POST", "/v1/messages")


def _operation(responses: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"responses": responses or {"200": {"description": "OK"}}}


def test_the_public_document_lists_the_refusals_each_operation_can_meet() -> None:
    document = merge(
        {
            "auth": {
                "paths": {
                    "/v1/auth/login": {"post": _operation()},
                    "/v1/account": {
                        "get": _operation(),
                        "patch": _operation(
                            {"403": {"description": "Owners only (`insufficient_role`)"}}
                        ),
                    },
                }
            },
            "dispatch": {
                "paths": {
                    "/v1/messages": {"post": _operation(), "get": _operation()},
                }
            },
        }
    )
    paths = document["paths"]

    def forbidden(path: str, method: str) -> str:
        description: str = paths[path][method]["responses"]["403"]["description"]
        return description

    send = forbidden("/v1/messages", "post")
    assert all(f"`account_{s}`" in send for s in ("suspended", "blocked", "closed"))
    listing = forbidden("/v1/messages", "get")
    assert "account_suspended" not in listing
    assert "`account_blocked`" in listing
    assert "`account_closed`" in listing
    account = forbidden("/v1/account", "get")
    assert "account_blocked" not in account
    assert "`account_closed`" in account
    patched = forbidden("/v1/account", "patch")
    assert patched.startswith("Owners only (`insufficient_role`)")
    assert "`account_blocked`" in patched
    assert "403" not in paths["/v1/auth/login"]["post"]["responses"]

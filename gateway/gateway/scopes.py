"""What an API key must be allowed to do for each public route: the first line of defence
(403 `insufficient_scope` before any byte reaches a service). Each service checks the same
again from the key's token (shared.roles); tests/unit/test_roles_table.py keeps this table
in step with the permissions the services' routes check."""

from typing import Any

from shared.errors import ProblemError

ALL = "*"
_READS = frozenset({"GET", "HEAD"})


class InsufficientScope(ProblemError):
    def __init__(self, needed: str | None) -> None:
        detail = (
            f"This API key lacks the `{needed}` scope"
            if needed
            else "This operation is for a person logged in to the account, not for an API key"
        )
        # `permission` as in the services' own refusal (shared.roles.Forbidden).
        named: dict[str, Any] = {"permission": needed} if needed else {}
        super().__init__(403, "insufficient_scope", "Insufficient scope", detail, **named)


def required_scope(method: str, path: str) -> str | None:
    """The scope `method path` needs, or None when no API key may do it at all (managing
    keys, logins, anything not listed: a key gets only what it was explicitly given)."""
    read = method.upper() in _READS
    if _at_or_below(path, "/v1/messages"):
        if method.upper() == "POST" and path in (
            "/v1/messages",
            "/v1/messages/batch",
            "/v1/messages/quote",
        ):
            return "messages:send"
        if method.upper() == "POST" and _is_cancel(path):
            return "messages:send"  # taking back a scheduled send is part of sending
        return "messages:read" if read else None
    if _at_or_below(path, "/v1/templates"):
        # Keeping a text to send is as much as sending it.
        return "messages:read" if read else "messages:send"
    if _at_or_below(path, "/v1/campaigns"):
        # A campaign is a batch send spread over time; following one is reading messages.
        return "messages:read" if read else "messages:send"
    if _at_or_below(path, "/v1/inbound"):
        return "messages:read" if read else None
    if _at_or_below(path, "/v1/contacts"):
        return "contacts:read" if read else "contacts:write"
    if path.startswith("/v1/billing/"):
        return "billing:read" if read else None
    return None


def check_scope(scopes: frozenset[str], method: str, path: str) -> None:
    needed = required_scope(method, path)
    if needed is None or not (needed in scopes or ALL in scopes):
        raise InsufficientScope(needed)


def _at_or_below(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _is_cancel(path: str) -> bool:
    """`/v1/messages/{id}/cancel`."""
    parts = path.split("/")
    return len(parts) == 5 and parts[4] == "cancel" and bool(parts[3])

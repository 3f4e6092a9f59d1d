"""docs/roles.md, shared.roles, the routes' checks and the gateway's scope table say the
same thing, and every public operation names the permission it needs."""

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from gateway.routes import resolve
from gateway.scopes import required_scope
from shared.roles import KEY_SCOPES, ROLE_PERMISSIONS, ROLES
from shared.roles.routes import EXTENSION

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
# Services whose every public operation must name a permission (only NO_PERMISSION below
# may go without).
CHECKED = ("auth", "dispatch", "contacts", "billing", "dlr")
NO_PERMISSION = frozenset(
    {
        ("GET", "/.well-known/jwks.json"),
        ("POST", "/v1/auth/register"),
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/auth/refresh"),
        ("POST", "/v1/auth/logout"),
        # The token in the body is the credential.
        ("POST", "/v1/auth/invitations/accept"),
        ("POST", "/v1/auth/verify-email"),
        # The recipient's, by the token of a marketing message's unsubscribe link.
        ("POST", "/v1/public/unsubscribe"),
        # A user's, by the signed token of a marketing e-mail's unsubscribe link.
        ("GET", "/v1/public/mail-unsubscribe"),
        ("POST", "/v1/public/mail-unsubscribe"),
        # Public and answered alike for every address (no enumeration), limited per IP.
        ("POST", "/v1/auth/verify-email/resend"),
        # A person's own credentials, whatever the role; never an API key's.
        ("POST", "/v1/account/2fa"),
        ("POST", "/v1/account/2fa/confirm"),
        ("DELETE", "/v1/account/2fa"),
        ("POST", "/v1/account/password"),
        # A person's own sessions (logins), likewise.
        ("GET", "/v1/auth/sessions"),
        ("DELETE", "/v1/auth/sessions/{session_id}"),
        ("POST", "/v1/auth/sessions/revoke-others"),
        # A payment provider's callback: its signature is the credential.
        ("POST", "/v1/billing/providers/{name}/webhook"),
        # The test provider's checkout page (never in production): the payer has no token.
        ("GET", "/v1/billing/providers/test/checkout"),
        ("POST", "/v1/billing/providers/test/checkout"),
    }
)
# The platform's staff (role `ops`), checked by auth's own operator dependency.
NO_PERMISSION_PREFIXES = ("/v1/ops/",)

Operation = tuple[str, str]  # (method, path template)


def _apps(tmp_path: Path) -> dict[str, FastAPI]:
    from auth_service.config import AuthSettings
    from auth_service.main import create_app as auth_app
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as billing_app
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app as contacts_app
    from dispatch_service.config import DispatchSettings
    from dispatch_service.main import create_app as dispatch_app
    from dlr_service.config import DlrSettings
    from dlr_service.main import create_app as dlr_app

    # Nothing is started: building an app only reads its settings.
    common: dict[str, Any] = {"database_url": "sqlite+aiosqlite:///unused", "environment": "test"}
    return {
        "auth": auth_app(AuthSettings(**common, dev_key_file=tmp_path / "signing.pem")),
        "dispatch": dispatch_app(DispatchSettings(**common)),
        "contacts": contacts_app(ContactsSettings(**common)),
        "billing": billing_app(BillingSettings(**common)),
        "dlr": dlr_app(DlrSettings(**common)),
    }


@pytest.fixture(scope="module")
def declared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[Operation, str | None]]:
    """Per service, its public operations and the permission each declares (or None)."""
    apps = _apps(tmp_path_factory.mktemp("roles"))
    return {service: _public_operations(service, app) for service, app in apps.items()}


def _public_operations(service: str, app: FastAPI) -> dict[Operation, str | None]:
    return {
        (method.upper(), path): operation.get(EXTENSION)
        for path, item in app.openapi()["paths"].items()
        if resolve(path) == service  # what the gateway exposes, not /internal/...
        for method, operation in item.items()
    }


def test_every_public_operation_declares_a_permission(
    declared: dict[str, dict[Operation, str | None]],
) -> None:
    missing = [
        (service, method, path)
        for service in CHECKED
        for (method, path), permission in declared[service].items()
        if permission is None
        and (method, path) not in NO_PERMISSION
        and not path.startswith(NO_PERMISSION_PREFIXES)
    ]
    assert missing == []
    # Not vacuous: the services' operations were found behind the gateway's routes.
    assert all(declared[service] for service in ("dispatch", "contacts", "billing"))


def test_the_docs_role_table_is_the_code_s(declared: dict[str, Any]) -> None:
    rows = _table(_section("## What each role may do"))
    header, body = rows[0], rows[1:]
    assert header[2:] == [*ROLES, "API key scope"]
    documented = {row[0]: row[2:] for row in body}
    assert set(documented) == set().union(*ROLE_PERMISSIONS.values())
    for permission, cells in documented.items():
        grants = [cell == "✓" for cell in cells]
        expected = [permission in ROLE_PERMISSIONS[role] for role in ROLES]
        assert grants == [*expected, permission in KEY_SCOPES], permission


def test_the_docs_operations_are_the_routes_checks(
    declared: dict[str, dict[Operation, str | None]],
) -> None:
    for service, operations in declared.items():
        checked = {op: permission for op, permission in operations.items() if permission}
        if not checked:
            assert f"### {service}\n" not in DOC.read_text(), service
            continue
        rows = _table(_section(f"### {service}"))
        assert rows[0] == ["Method", "Path", "Permission"]
        assert {(method, path): permission for method, path, permission in rows[1:]} == checked


def test_the_gateway_asks_keys_for_the_scope_the_services_check(
    declared: dict[str, dict[Operation, str | None]],
) -> None:
    """The gateway's table (its first line of defence) may not refuse a key what the
    service would allow, nor let through one that the service then refuses."""
    for service, operations in declared.items():
        for (method, path), permission in operations.items():
            if permission is None:
                continue
            concrete = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
            expected = permission if permission in KEY_SCOPES else None
            assert required_scope(method, concrete) == expected, (service, method, path)


def _section(heading: str) -> str:
    text = DOC.read_text()
    start = text.index(heading + "\n")
    end = text.find("\n#", start + len(heading))
    return text[start : end if end != -1 else None]


def _table(section: str) -> list[list[str]]:
    """The section's first table, without its separator row, cells without backticks."""
    lines = [line for line in section.splitlines() if line.startswith("|")]
    rows = [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines]
    return [row for row in rows if not all(set(cell) <= set("-: ") for cell in row)]


def test_a_403_of_its_own_is_kept_and_documented_once(tmp_path: Path) -> None:
    """Sends also refuse a suspended account with 403; and the routers' routes are shared
    by every app made from them, so a second app must not repeat the words."""
    _apps(tmp_path)
    send = _apps(tmp_path)["dispatch"].openapi()["paths"]["/v1/messages"]["post"]
    words = send["responses"]["403"]["description"]

    assert words.count("`forbidden`") == 1
    assert "`account_suspended`" in words
    assert send[EXTENSION] == "messages:send"

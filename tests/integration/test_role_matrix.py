"""Every service enforces the role x permission table itself (not only the gateway): a
token whose role, or API key's scopes, lacks an operation's permission is refused 403, and
any other is let through to the operation's own answer (404/422 for made-up ids/bodies)."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest

from shared.roles import API_KEY_ROLE, ROLES, Permission, allowed
from shared.roles.routes import EXTENSION
from shared.security import Principal
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

MADE_UP = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str  # the OpenAPI template
    permission: Permission  # what issue 7 says it needs; not read from the code
    body: Any = None

    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", MADE_UP, self.path)


OPERATIONS = (
    Operation("dispatch", "POST", "/v1/messages", "messages:send", body={}),
    Operation("dispatch", "POST", "/v1/messages/batch", "messages:send", body={}),
    Operation("dispatch", "POST", "/v1/messages/quote", "messages:send", body={}),
    Operation("dispatch", "GET", "/v1/messages", "messages:read"),
    Operation("dispatch", "GET", "/v1/messages/stats", "messages:read"),
    Operation("dispatch", "GET", "/v1/messages/{message_id}", "messages:read"),
    Operation("dispatch", "POST", "/v1/messages/{message_id}/cancel", "messages:send"),
    Operation("dispatch", "POST", "/v1/senders", "account:manage", body={}),
    Operation("dispatch", "GET", "/v1/senders", "account:read"),
    Operation("dispatch", "PUT", "/v1/senders/default", "account:manage", body={}),
    Operation("dispatch", "DELETE", "/v1/senders/{sender_id}", "account:manage"),
    Operation("dispatch", "GET", "/v1/sending-window", "account:read"),
    Operation("dispatch", "PUT", "/v1/sending-window", "account:manage", body={}),
    Operation("dispatch", "DELETE", "/v1/sending-window", "account:manage"),
    Operation("dispatch", "GET", "/v1/keywords/help", "account:read"),
    Operation("dispatch", "PUT", "/v1/keywords/help", "account:manage", body={}),
    Operation("dispatch", "DELETE", "/v1/keywords/help", "account:manage"),
    Operation("dispatch", "POST", "/v1/templates", "messages:send", body={}),
    Operation("dispatch", "GET", "/v1/templates", "messages:read"),
    Operation("dispatch", "GET", "/v1/templates/{template_id}", "messages:read"),
    Operation("dispatch", "PATCH", "/v1/templates/{template_id}", "messages:send", body={}),
    Operation("dispatch", "DELETE", "/v1/templates/{template_id}", "messages:send"),
    Operation("dispatch", "POST", "/v1/campaigns", "messages:send", body={}),
    Operation("dispatch", "GET", "/v1/campaigns", "messages:read"),
    Operation("dispatch", "GET", "/v1/campaigns/{campaign_id}", "messages:read"),
    Operation("dispatch", "POST", "/v1/campaigns/{campaign_id}/start", "messages:send"),
    Operation("dispatch", "POST", "/v1/campaigns/{campaign_id}/pause", "messages:send"),
    Operation("dispatch", "POST", "/v1/campaigns/{campaign_id}/resume", "messages:send"),
    Operation("dispatch", "POST", "/v1/campaigns/{campaign_id}/cancel", "messages:send"),
    Operation("contacts", "POST", "/v1/contacts/fields", "contacts:write", body={}),
    Operation("contacts", "GET", "/v1/contacts/fields", "contacts:read"),
    Operation("contacts", "POST", "/v1/contacts/imports", "contacts:write"),
    Operation("contacts", "GET", "/v1/contacts/imports", "contacts:read"),
    Operation("contacts", "GET", "/v1/contacts/imports/{import_id}", "contacts:read"),
    Operation("contacts", "GET", "/v1/contacts/imports/{import_id}/errors.csv", "contacts:read"),
    Operation("contacts", "POST", "/v1/privacy/exports", "privacy:manage", body={}),
    Operation("contacts", "GET", "/v1/privacy/exports", "privacy:manage"),
    Operation("contacts", "GET", "/v1/privacy/exports/{export_id}", "privacy:manage"),
    Operation("contacts", "GET", "/v1/privacy/exports/{export_id}/download", "privacy:manage"),
    Operation("contacts", "POST", "/v1/privacy/erasures", "privacy:manage", body={}),
    Operation("contacts", "GET", "/v1/privacy/erasures", "privacy:manage"),
    Operation("contacts", "GET", "/v1/privacy/erasures/{erasure_id}", "privacy:manage"),
    Operation("contacts", "DELETE", "/v1/contacts/fields/{key}", "contacts:write"),
    Operation("contacts", "POST", "/v1/contacts/groups", "contacts:write", body={}),
    Operation("contacts", "GET", "/v1/contacts/groups", "contacts:read"),
    Operation("contacts", "GET", "/v1/contacts/groups/{group_id}", "contacts:read"),
    Operation("contacts", "PATCH", "/v1/contacts/groups/{group_id}", "contacts:write", body={}),
    Operation("contacts", "DELETE", "/v1/contacts/groups/{group_id}", "contacts:write"),
    Operation(
        "contacts", "POST", "/v1/contacts/groups/{group_id}/members", "contacts:write", body={}
    ),
    Operation(
        "contacts", "DELETE", "/v1/contacts/groups/{group_id}/members", "contacts:write", body={}
    ),
    Operation("contacts", "POST", "/v1/contacts", "contacts:write", body={}),
    Operation("contacts", "GET", "/v1/contacts", "contacts:read"),
    Operation("contacts", "GET", "/v1/contacts/{contact_id}", "contacts:read"),
    Operation("contacts", "PATCH", "/v1/contacts/{contact_id}", "contacts:write", body={}),
    Operation("contacts", "DELETE", "/v1/contacts/{contact_id}", "contacts:write"),
    Operation("contacts", "POST", "/v1/contacts/{contact_id}/consent", "contacts:write", body={}),
    Operation("contacts", "GET", "/v1/contacts/{contact_id}/consent", "contacts:read"),
    Operation("contacts", "POST", "/v1/contacts/{contact_id}/unsubscribe-token", "contacts:write"),
    Operation("billing", "GET", "/v1/billing/balance", "billing:read"),
    Operation("billing", "GET", "/v1/billing/transactions", "billing:read"),
    Operation("billing", "GET", "/v1/billing/tariff", "billing:read"),
    Operation("billing", "GET", "/v1/billing/low-balance-threshold", "billing:read"),
    Operation("billing", "PUT", "/v1/billing/low-balance-threshold", "billing:manage", body={}),
    Operation("billing", "GET", "/v1/billing/usage", "billing:read"),
    Operation("billing", "GET", "/v1/billing/usage.csv", "billing:read"),
    Operation("billing", "GET", "/v1/billing/company", "billing:read"),
    Operation("billing", "POST", "/v1/billing/top-ups", "billing:manage", body={}),
    Operation("billing", "GET", "/v1/billing/top-ups/{payment_id}", "billing:read"),
    Operation("billing", "POST", "/v1/billing/invoices", "billing:manage", body={}),
    Operation("billing", "GET", "/v1/billing/invoices", "billing:read"),
    Operation("billing", "GET", "/v1/billing/invoices/{invoice_id}.pdf", "billing:read"),
    Operation("billing", "GET", "/v1/billing/refund-request", "billing:read"),
    Operation(
        "billing", "POST", "/v1/billing/refund-request/bank-details", "billing:manage", body={}
    ),
)

# (role, scopes): the people's roles, and API keys with narrow scopes, all of them, none.
CALLERS = [
    *((role, "") for role in ROLES),
    (API_KEY_ROLE, "messages:send"),
    (API_KEY_ROLE, "messages:read contacts:read"),
    (API_KEY_ROLE, "contacts:write billing:read"),
    (API_KEY_ROLE, "*"),
    (API_KEY_ROLE, ""),
]


@dataclass
class Services:
    clients: dict[str, httpx.AsyncClient]
    private_key: bytes
    kid: str

    def token(self, role: str, scope: str) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": "smsgw-auth",
            "aud": "smsgw",
            "sub": f"{role}-{uuid4()}",
            "account_id": str(uuid4()),
            "role": role,
            "iat": now,
            "exp": now + timedelta(minutes=5),
        }
        if scope:
            claims["scope"] = scope
        return jwt.encode(claims, self.private_key, "RS256", headers={"kid": self.kid})


@pytest.fixture(scope="module")
async def services(
    databases: Databases,
    broker: str,
    auth_service: AuthClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Services]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as billing_app
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app as contacts_app
    from dispatch_service.config import DispatchSettings
    from dispatch_service.main import create_app as dispatch_app

    common: dict[str, Any] = {
        "kafka_bootstrap_servers": broker,
        "jwks_url": auth_service.jwks_url,
        "environment": "test",
    }

    # Own consumer groups: other modules' apps on this broker use other databases.
    group = f"roles-{uuid4().hex[:8]}"
    apps = {
        "dispatch": dispatch_app(
            DispatchSettings(
                database_url=await databases.create("dispatch"),
                consumer_group=f"dispatch-{group}",
                **common,
            )
        ),
        "contacts": contacts_app(
            ContactsSettings(
                database_url=await databases.create("contacts"),
                export_dir=str(tmp_path_factory.mktemp("exports")),
                **common,
            )
        ),
        "billing": billing_app(
            BillingSettings(
                database_url=await databases.create("billing"),
                consumer_group=f"billing-{group}",
                starter_credit=Decimal("1.00"),
                **common,
            )
        ),
    }
    _, real_token = await auth_service.new_account()
    kid = jwt.get_unverified_header(real_token)["kid"]
    async with (
        running_app(apps["dispatch"]) as dispatch,
        running_app(apps["contacts"]) as contacts,
        running_app(apps["billing"]) as billing,
    ):
        clients = {"dispatch": dispatch, "contacts": contacts, "billing": billing}
        yield Services(clients, auth_service.signing_key_file.read_bytes(), kid)


@pytest.mark.parametrize(("role", "scope"), CALLERS)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
async def test_refused_exactly_when_the_table_says_so(
    services: Services, operation: Operation, role: str, scope: str
) -> None:
    client = services.clients[operation.service]
    token = services.token(role, scope)
    response = await client.request(
        operation.method,
        operation.url(),
        json=operation.body,
        headers={"Authorization": f"Bearer {token}"},
    )

    caller = Principal(uuid4(), "caller", role, frozenset(scope.split()))
    if allowed(caller, operation.permission):
        assert response.status_code != 403, response.text
        assert response.status_code < 500, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        code = "insufficient_scope" if role == API_KEY_ROLE else "forbidden"
        assert (problem["code"], problem["permission"]) == (code, operation.permission)


async def test_the_matrix_covers_every_operation_that_checks_a_permission(
    services: Services,
) -> None:
    declared = set()
    for service, client in services.clients.items():
        document = (await client.get("/openapi.json")).json()
        for path, item in document["paths"].items():
            for method, spec in item.items():
                if EXTENSION in spec:
                    declared.add((service, method.upper(), path, spec[EXTENSION]))

    assert declared == {(op.service, op.method, op.path, op.permission) for op in OPERATIONS}


@pytest.mark.parametrize(("role", "scope"), CALLERS)
async def test_only_an_owner_exports_the_whole_account(
    services: Services, role: str, scope: str
) -> None:
    # The operation needs `privacy:manage`; the whole account (`all`) `account:export` too.
    token = services.token(role, scope)
    response = await services.clients["contacts"].post(
        "/v1/privacy/exports", json={"all": True}, headers={"Authorization": f"Bearer {token}"}
    )

    caller = Principal(uuid4(), "caller", role, frozenset(scope.split()))
    if allowed(caller, "privacy:manage") and allowed(caller, "account:export"):
        assert response.status_code == 202, response.text
    else:
        assert response.status_code == 403, response.text
        needed = "privacy:manage" if not allowed(caller, "privacy:manage") else "account:export"
        assert response.json()["permission"] == needed

"""The gateway's routing table: the longest prefix wins."""

import pytest

from gateway.routes import is_public, resolve


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/ops/accounts", "auth"),
        ("/v1/ops/accounts/1/block", "auth"),
        ("/v1/ops/senders", "dispatch"),
        ("/v1/ops/senders/1/approve", "dispatch"),
        ("/v1/ops/sendersx", "auth"),
        ("/v1/ops/bulk-permissions/00000000-0000-0000-0000-000000000001", "dispatch"),
        ("/v1/ops/smsc", "dispatch"),
        ("/v1/ops/smscx", "auth"),
        ("/v1/ops/destinations/00000000-0000-0000-0000-000000000001", "dispatch"),
        ("/v1/senders", "dispatch"),
        ("/v1/senders/default", "dispatch"),
        ("/v1/sendersx", None),
        ("/v1/messages", "dispatch"),
        ("/v1/messages/quote", "dispatch"),
        ("/v1/templates", "dispatch"),
        ("/v1/templates/1", "dispatch"),
        ("/v1/campaigns", "dispatch"),
        ("/v1/campaigns/1/start", "dispatch"),
        ("/v1/campaignsx", None),
        ("/v1/ops/numbers", "dlr"),
        ("/v1/ops/numbers/+447700900000", "dlr"),
        ("/v1/ops/numbersx", "auth"),
        ("/v1/ops/inbound", "dlr"),
        ("/v1/ops/inbound/1", "dlr"),
        ("/v1/ops/tariffs", "billing"),
        ("/v1/ops/tariffs/0b5e/versions", "billing"),
        ("/v1/ops/penalties", "billing"),
        ("/v1/ops/invoices/0b5e/paid", "billing"),
        ("/v1/ops/accounts/0b5e/company", "billing"),
        ("/v1/ops/accounts/0b5e/block", "auth"),
        ("/v1/ops/accounts/company", "auth"),
        ("/v1/ops/accounts/a/b/company", "auth"),
        ("/v1/billing/invoices/0b5e.pdf", "billing"),
        ("/v1/billing/providers/test/webhook", "billing"),
        ("/v1/inbound", "dlr"),
        ("/v1/inbound/1", "dlr"),
        ("/v1/inboundx", None),
        ("/v1/public/unsubscribe", "contacts"),
        ("/v1/privacy/exports", "contacts"),
        ("/v1/privacy/exports/1/download", "contacts"),
        ("/v1/privacy/erasures/1", "contacts"),
        ("/v1/privacyx", None),
        ("/v1/public/unsubscribex", None),
        ("/v1/public/other", None),
        ("/v1/public/mail-unsubscribe", "auth"),
        ("/v1/public/mail-unsubscribex", None),
        ("/v1/ops/breach-notices", "auth"),
        ("/v1/ops/announcements", "auth"),
        ("/v1/account/notification-preferences", "auth"),
        # Services' internal routes (billing's prices, auth's key exchange) stay internal.
        ("/internal/v1/prices", None),
        ("/internal/v1/privacy/export", None),
    ],
)
def test_each_path_goes_to_its_service(path: str, service: str | None) -> None:
    assert resolve(path) == service


def test_an_unsubscribe_link_needs_no_login_but_its_token_request_does() -> None:
    assert is_public("POST", "/v1/public/unsubscribe")
    assert not is_public("GET", "/v1/public/unsubscribe")
    assert not is_public("POST", "/v1/contacts/1/unsubscribe-token")


def test_a_mail_unsubscribe_link_needs_no_login_but_mail_preferences_do() -> None:
    assert is_public("GET", "/v1/public/mail-unsubscribe")
    assert is_public("POST", "/v1/public/mail-unsubscribe")
    assert not is_public("GET", "/v1/account/notification-preferences")
    assert not is_public("POST", "/v1/ops/breach-notices")


def test_payment_providers_call_back_without_a_login_but_nothing_else_of_billing() -> None:
    assert is_public("POST", "/v1/billing/providers/test/webhook")
    assert not is_public("GET", "/v1/billing/providers/test/webhook")
    assert not is_public("POST", "/v1/billing/top-ups")
    assert not is_public("POST", "/v1/billing/invoices")

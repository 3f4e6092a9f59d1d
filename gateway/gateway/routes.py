"""The routing table: which service answers which public path, and which need no token."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    prefix: str
    service: str
    # "/v1/messages" must also match "/v1/messages/{id}" but never "/v1/messagesfoo".
    exact_or_below: bool = False
    # One operation below a prefix another service owns: "/v1/ops/accounts/{id}/company"
    # is billing's while the rest of "/v1/ops/accounts/" is auth's. One segment between.
    suffix: str = ""

    def matches(self, path: str) -> bool:
        if self.suffix:
            if not (path.startswith(self.prefix) and path.endswith(self.suffix)):
                return False
            middle = path[len(self.prefix) : len(path) - len(self.suffix)]
            return bool(middle) and "/" not in middle
        if self.exact_or_below:
            return path == self.prefix or path.startswith(self.prefix + "/")
        return path.startswith(self.prefix)


ROUTES: tuple[Route, ...] = (
    Route("/v1/auth/", "auth"),
    Route("/v1/account", "auth", exact_or_below=True),
    Route("/v1/ops/", "auth"),
    # Longer than "/v1/ops/", so they win: operators act where the data lives.
    Route("/v1/ops/senders", "dispatch", exact_or_below=True),
    Route("/v1/ops/content-rules", "dispatch", exact_or_below=True),
    Route("/v1/ops/content-hits", "dispatch", exact_or_below=True),
    Route("/v1/ops/content-reviews", "dispatch", exact_or_below=True),
    Route("/v1/ops/bulk-permissions", "dispatch", exact_or_below=True),
    Route("/v1/ops/smsc", "dispatch", exact_or_below=True),
    Route("/v1/ops/destinations", "dispatch", exact_or_below=True),
    Route("/v1/ops/numbers", "dlr", exact_or_below=True),
    Route("/v1/ops/inbound", "dlr", exact_or_below=True),
    Route("/v1/ops/tariffs", "billing", exact_or_below=True),
    Route("/v1/ops/penalties", "billing", exact_or_below=True),
    Route("/v1/ops/invoices", "billing", exact_or_below=True),
    # The account's contracting company is billing's, the account itself auth's.
    Route("/v1/ops/accounts/", "billing", suffix="/company"),
    # Its payment terms (postpaid, credit limit) too.
    Route("/v1/ops/accounts/", "billing", suffix="/postpaid"),
    # Termination refunds (issue 10 item 7).
    Route("/v1/ops/refunds", "billing", exact_or_below=True),
    Route("/.well-known/jwks.json", "auth", exact_or_below=True),
    Route("/v1/messages", "dispatch", exact_or_below=True),
    Route("/v1/senders", "dispatch", exact_or_below=True),
    Route("/v1/templates", "dispatch", exact_or_below=True),
    # Campaigns live in dispatch, which sends them; contacts lists their audience over Kafka.
    Route("/v1/campaigns", "dispatch", exact_or_below=True),
    Route("/v1/keywords", "dispatch", exact_or_below=True),
    Route("/v1/sending-window", "dispatch", exact_or_below=True),
    Route("/v1/billing/", "billing"),
    Route("/v1/contacts", "contacts", exact_or_below=True),
    # Data-subject rights (R17): contacts orchestrates them across the services.
    Route("/v1/privacy", "contacts", exact_or_below=True),
    # A marketing message's unsubscribe link: contacts records the opt-out.
    Route("/v1/public/unsubscribe", "contacts", exact_or_below=True),
    # A marketing e-mail's unsubscribe link: auth keeps its users' mail preferences.
    Route("/v1/public/mail-unsubscribe", "auth", exact_or_below=True),
    Route("/v1/api-keys", "auth", exact_or_below=True),
    # Webhooks live in dlr, which owns the statuses and inbound SMS they announce. No API key
    # may manage them (scopes.required_scope has no entry, so it answers None).
    Route("/v1/webhooks", "dlr", exact_or_below=True),
    # Inbound (MO) SMS: dlr stores them; reading them is reading messages.
    Route("/v1/inbound", "dlr", exact_or_below=True),
)

# Exact (method, path) pairs; anything else behind the gateway needs a bearer token.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/v1/auth/register"),
        # The mailed link's page sends its token here; the registrant has no token yet.
        ("POST", "/v1/auth/verify-email"),
        ("POST", "/v1/auth/verify-email/resend"),
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/auth/refresh"),
        ("POST", "/v1/auth/logout"),
        ("POST", "/v1/auth/invitations/accept"),
        # The recipient following an unsubscribe link has no account; the token is the key.
        ("POST", "/v1/public/unsubscribe"),
        # A user following a marketing mail's link, maybe logged out: the signed token is
        # the key. GET for the link itself, POST for mail clients' one-click (RFC 8058).
        ("GET", "/v1/public/mail-unsubscribe"),
        ("POST", "/v1/public/mail-unsubscribe"),
        # Payment providers call back without a token: billing checks their signature.
        ("POST", "/v1/billing/providers/test/webhook"),
        # The test provider's checkout (dev and tests; billing refuses it in production).
        ("GET", "/v1/billing/providers/test/checkout"),
        ("POST", "/v1/billing/providers/test/checkout"),
        ("GET", "/.well-known/jwks.json"),
        ("HEAD", "/.well-known/jwks.json"),
    }
)

_BY_LENGTH = sorted(ROUTES, key=lambda route: len(route.prefix), reverse=True)


def matched_prefix(path: str) -> str | None:
    """The public route `path` falls under (`/v1/messages`), for metrics: a bounded label."""
    if resolve(path) is None:
        return None
    return next(route.prefix for route in _BY_LENGTH if route.matches(path))


def resolve(path: str) -> str | None:
    """The service for `path` (longest prefix wins), or None when no public route matches.

    Paths with dot segments are refused rather than normalised: the upstream (or httpx on
    the way) would resolve them to a different path than the one checked here.
    """
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    for route in _BY_LENGTH:
        if route.matches(path):
            return route.service
    return None


def is_public(method: str, path: str) -> bool:
    return (method.upper(), path) in PUBLIC


def public_services() -> list[str]:
    """Services with at least one public route, in table order, without repeats."""
    return list(dict.fromkeys(route.service for route in ROUTES))

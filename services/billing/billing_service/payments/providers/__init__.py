"""Payment providers by name: `/v1/billing/providers/{name}/webhook` finds its verifier here."""

from billing_service.payments.providers.base import PaymentProvider

Providers = dict[str, PaymentProvider]

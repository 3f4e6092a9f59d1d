from fastapi import FastAPI

from billing_service.companies.config import Companies
from billing_service.companies.router import ops_router as companies_ops_router
from billing_service.companies.router import router as companies_router
from billing_service.config import BillingSettings
from billing_service.db import Inbox, Outbox
from billing_service.invoices.router import ops_router as invoices_ops_router
from billing_service.invoices.router import router as invoices_router
from billing_service.jobs.runtime import BillingRuntime
from billing_service.ledger.consumer import billing_consumer
from billing_service.ledger.money import Pricing
from billing_service.ledger.router import router as ledger_router
from billing_service.payments.providers import Providers
from billing_service.payments.providers.test import SandboxProvider
from billing_service.payments.router import provider_router
from billing_service.payments.router import router as payments_router
from billing_service.penalties.router import ops_router as penalties_ops_router
from billing_service.postpaid.router import ops_router as postpaid_ops_router
from billing_service.prices.router import internal_router as prices_router
from billing_service.tariffs.cache import TariffCache
from billing_service.tariffs.router import ops_router as tariffs_ops_router
from billing_service.tariffs.router import router as tariffs_router
from billing_service.terminations.router import ops_router as refunds_ops_router
from billing_service.terminations.router import router as refund_request_router
from billing_service.usage.router import router as usage_router
from shared.app import create_service_app


def create_app(settings: BillingSettings | None = None) -> FastAPI:
    settings = settings or BillingSettings()
    pricing = Pricing.from_settings(settings)
    tariffs = TariffCache(
        flat_units=pricing.price_per_part_units,
        currency=pricing.currency,
        refresh_seconds=settings.tariff_refresh_seconds,
    )
    companies = Companies.load(
        settings.companies, settings.companies_file, settings.default_company, settings.currency
    )
    providers: Providers = {}
    if settings.test_provider_enabled:
        sandbox = SandboxProvider(settings.test_provider_secret, settings.public_url)
        providers[sandbox.name] = sandbox
    runtime = BillingRuntime(
        settings=settings,
        outbox_model=Outbox,
        inbox_model=Inbox,
        consumer_specs=(
            billing_consumer(
                pricing,
                tariffs,
                companies,
                settings.consumer_group,
                refund_undelivered=settings.refund_undelivered,
            ),
        ),
    )
    runtime.companies = companies
    app = create_service_app(
        "billing",
        runtime,
        [
            ledger_router,
            usage_router,
            tariffs_router,
            tariffs_ops_router,
            penalties_ops_router,
            prices_router,
            companies_router,
            companies_ops_router,
            postpaid_ops_router,
            payments_router,
            provider_router,
            invoices_router,
            invoices_ops_router,
            refund_request_router,
            refunds_ops_router,
        ],
    )
    app.state.pricing = pricing
    app.state.tariffs = tariffs
    app.state.companies = companies
    app.state.payment_providers = providers
    return app

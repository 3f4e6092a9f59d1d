"""Top-ups through a provider: a pending payment and its checkout, then the provider's signed
notice settles it. Nothing here commits: the request's session does, with the outbox."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.companies.config import Companies
from billing_service.companies.service import company_of
from billing_service.companies.vat import vat_units
from billing_service.db import Outbox
from billing_service.ledger.money import format_units
from billing_service.ledger.repository import LedgerRepository
from billing_service.payments.amounts import check_currency, parse_amount
from billing_service.payments.crediting import credit_account
from billing_service.payments.models import Payment, WebhookDelivery
from billing_service.payments.providers import Providers
from billing_service.payments.providers.base import Checkout, PaymentProvider
from shared.db import upsert_insert
from shared.errors import NotFound, ProblemError
from shared.events import PaymentReceived, utcnow
from shared.outbox import add_event


class UnknownProvider(ProblemError):
    def __init__(self, name: str) -> None:
        super().__init__(404, "unknown_provider", "Unknown payment provider", name)


class WebhookReplayed(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "webhook_replayed", "Webhook replayed", "This delivery was handled before"
        )


class AmountMismatch(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "amount_mismatch",
            "Amount mismatch",
            "The notice's amount or currency is not what the payment asked for",
        )


class AccountNotOpen(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "account_not_open", "Account not open", "Billing has not opened this account yet"
        )


def provider_named(providers: Providers, name: str) -> PaymentProvider:
    provider = providers.get(name)
    if provider is None:
        raise UnknownProvider(name)
    return provider


async def start_top_up(
    session: AsyncSession,
    companies: Companies,
    provider: PaymentProvider,
    account_id: UUID,
    amount: str,
    currency: str | None,
) -> tuple[Payment, str]:
    amount_units = parse_amount(amount)
    balance = await LedgerRepository(session).balance(account_id)
    if balance is None:
        raise AccountNotOpen()
    company = await company_of(session, companies, account_id)
    check_currency(currency, balance.currency)
    payment = Payment(
        account_id=account_id,
        provider=provider.name,
        company_code=company.code,
        currency=balance.currency,
        amount_units=amount_units,
        # The customer pays the VAT on top; the balance gets the amount asked for.
        vat_units=vat_units(amount_units, company.vat_rate),
        status="pending",
        created_at=utcnow(),
    )
    session.add(payment)
    await session.flush()
    url = provider.checkout_url(
        Checkout(
            payment_id=payment.id,
            total_units=payment.total_units,
            currency=payment.currency,
            description=f"Top-up {format_units(amount_units)} {payment.currency}",
        )
    )
    return payment, url


async def handle_webhook(
    session: AsyncSession, provider: PaymentProvider, body: bytes, headers: dict[str, str]
) -> Payment:
    """Verify, refuse a replayed delivery, settle the payment once. A second, different
    delivery about a settled payment (providers retry) changes nothing and answers it."""
    notice = provider.verify(body, headers)
    recorded = await session.execute(
        upsert_insert(session, WebhookDelivery)
        .values(
            provider=provider.name,
            delivery_id=notice.delivery_id,
            payment_id=notice.payment_id,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(WebhookDelivery.delivery_id)
    )
    if recorded.scalar_one_or_none() is None:
        raise WebhookReplayed()
    payment = await session.scalar(
        select(Payment)
        .where(Payment.id == notice.payment_id, Payment.provider == provider.name)
        .with_for_update()
    )
    if payment is None:
        raise NotFound("Payment")
    if notice.total_units != payment.total_units or notice.currency != payment.currency:
        raise AmountMismatch()
    if payment.status != "pending":
        return payment
    payment.settled_at = utcnow()
    if notice.outcome == "failed":
        payment.status = "failed"
        return payment
    payment.status = "succeeded"
    await credit_account(
        session,
        account_id=payment.account_id,
        amount_units=payment.amount_units,
        kind="top_up",
        idempotency_key=f"payment:{payment.id}",
        currency=payment.currency,
    )
    add_event(
        session,
        Outbox,
        PaymentReceived(
            account_id=payment.account_id,
            payment_id=payment.id,
            method="card",
            amount=format_units(payment.amount_units),
            currency=payment.currency,
        ),
    )
    return payment


async def payment_of(session: AsyncSession, account_id: UUID, payment_id: UUID) -> Payment:
    payment = await session.get(Payment, payment_id)
    if payment is None or payment.account_id != account_id:
        raise NotFound("Payment")
    return payment

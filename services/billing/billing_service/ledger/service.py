"""Balances and charges. Called from the consumer's transaction or the request's session;
nothing here commits."""

import logging
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Outbox
from billing_service.ledger.models import LedgerEntry
from billing_service.ledger.money import Pricing, format_units
from billing_service.ledger.repository import LedgerRepository, charge_key
from shared.events import ChargeAuthorized, ChargeDeclined, MessageAccepted
from shared.inbox import PoisonEvent
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def open_account(session: AsyncSession, pricing: Pricing, account_id: UUID) -> None:
    """Give a new account its balance and free starter credit (R1); a no-op the second time."""
    repository = LedgerRepository(session)
    # The balance row is the gate: whoever creates it grants the credit, exactly once.
    if not await repository.create_balance(
        account_id, pricing.starter_credit_units, pricing.currency
    ):
        return
    if pricing.starter_credit_units:
        await repository.add_entry(
            account_id=account_id,
            kind="starter_credit",
            amount_units=pricing.starter_credit_units,
            idempotency_key=f"starter:{account_id}",
        )


async def charge_message(session: AsyncSession, pricing: Pricing, event: MessageAccepted) -> None:
    """Reserve the message's price and say so on billing.charges, or decline it."""
    if event.segments < 1:
        raise PoisonEvent(f"message {event.message_id} has {event.segments} segments")
    # Topics are not ordered with each other, so the message may overtake its account's
    # registration; only registered accounts get tokens, so granting credit here is right.
    await open_account(session, pricing, event.account_id)
    repository = LedgerRepository(session)
    cost = pricing.cost_of(event.segments)
    # Claim the charge before paying it: the unique key makes a second event for the same
    # message (not only a redelivery, which the inbox drops) find the claim and stop, and on
    # PostgreSQL a concurrent claim waits for this transaction instead of charging twice.
    entry_id = await repository.add_entry(
        account_id=event.account_id,
        kind="charge",
        amount_units=-cost,
        idempotency_key=charge_key(event.message_id),
        message_id=event.message_id,
    )
    if entry_id is None:
        log.info(
            "message %s is charged already; event %s ignored", event.message_id, event.event_id
        )
        return
    currency = await repository.debit(event.account_id, cost)
    if currency is not None:
        authorized = ChargeAuthorized(
            account_id=event.account_id,
            message_id=event.message_id,
            amount=format_units(cost),
            currency=currency,
        )
        add_event(session, Outbox, authorized)
        return
    # Declined: take the claim back so the decline leaves the ledger exactly as it was.
    await repository.remove_entry(entry_id)
    add_event(session, Outbox, await _declined(repository, event, cost))


async def _declined(
    repository: LedgerRepository, event: MessageAccepted, cost: int
) -> ChargeDeclined:
    current = await repository.balance(event.account_id)
    assert current is not None, "open_account ran in this transaction"
    amount, currency = current
    return ChargeDeclined(
        account_id=event.account_id,
        message_id=event.message_id,
        code="insufficient_funds",
        reason=(
            f"Balance {format_units(amount)} {currency} "
            f"does not cover {format_units(cost)} {currency}"
        ),
    )


async def balance_of(session: AsyncSession, pricing: Pricing, account_id: UUID) -> tuple[int, str]:
    """The account's balance; before its registration is processed, the starter credit it
    is about to get. Read-only: a GET never opens a balance."""
    current = await LedgerRepository(session).balance(account_id)
    return current or (pricing.starter_credit_units, pricing.currency)


async def statement(session: AsyncSession, account_id: UUID, limit: int) -> list[LedgerEntry]:
    return await LedgerRepository(session).entries(account_id, limit)

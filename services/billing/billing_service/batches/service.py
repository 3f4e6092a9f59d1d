"""Charges a whole `batch.accepted` in one transaction with one conditional debit. Called
from the consumer's transaction; nothing here commits."""

import logging
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Outbox
from billing_service.ledger import metrics, postings
from billing_service.ledger.money import Pricing, format_units
from billing_service.ledger.repository import LedgerRepository
from billing_service.ledger.service import after_debit, open_account
from billing_service.messages import repository as messages
from billing_service.messages.repository import Heard
from billing_service.tariffs.cache import TariffCache
from shared.events import BatchAccepted, BatchCharge, BatchChargeAuthorized, BatchChargeDeclined
from shared.metrics.staged import count_after_commit
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def charge_batch(
    session: AsyncSession, pricing: Pricing, tariffs: TariffCache, event: BatchAccepted
) -> None:
    """Reserve the price of every message of the batch, or of none, and say which."""
    currency = await open_account(session, pricing, event.account_id)
    # What dispatch accepted, apart from what it cost: the reconciliation compares the two.
    declined_before = await messages.record(
        session,
        [
            Heard(m.message_id, event.account_id, m.segments, event.occurred_at)
            for m in event.messages
        ],
    )
    if declined_before:
        # The batch was declined (whole) before and dispatch rejected its messages: another
        # event for it (not a redelivery, which the inbox drops) must not charge them now.
        log.info("batch %s was declined; event %s ignored", event.batch_id, event.event_id)
        return
    repository = LedgerRepository(session)
    book = await tariffs.book(session)
    costs: dict[UUID, int] = {}
    drafts: dict[UUID, postings.Draft] = {}
    unpriced: list[str] = []
    for message in event.messages:
        price = book.price_of(event.account_id, message.to, event.occurred_at, currency)
        if price is None:
            unpriced.append(message.to or str(message.message_id))
            continue
        costs[message.message_id] = cost = message.segments * price.units
        drafts[message.message_id] = postings.charge(
            event.account_id,
            message.message_id,
            cost,
            currency=currency,
            parts=message.segments,
            country=postings.country_of(message.to),
            sender=message.sender,
        )
    if unpriced:
        # All or none, like the money: a batch with any unpriced destination is declined
        # whole, before anything is claimed.
        _decline_unpriced(session, event, unpriced)
        await messages.mark_declined(session, [m.message_id for m in event.messages])
        return
    # Claim every charge before paying: the per-message keys make a second event for the
    # batch find the claims and stop, and on PostgreSQL a concurrent one waits for this
    # transaction instead of charging twice (the inbox drops plain redeliveries already).
    claimed_ids = await repository.claim(list(drafts.values()))
    claimed = {m: d for m, d in drafts.items() if d.id in claimed_ids}
    if not claimed:
        log.info("batch %s is charged already; event %s ignored", event.batch_id, event.event_id)
        return
    if len(claimed) < len(costs):
        # Only a message charged on its own before could be; it had its answer then.
        log.warning(
            "batch %s: %d of %d messages were charged before",
            event.batch_id,
            len(costs) - len(claimed),
            len(costs),
        )
    total = sum(costs[message_id] for message_id in claimed)
    state = await repository.debit(event.account_id, total)
    # In the batch's order, so dispatch and a reader of the topic see it as sent.
    message_ids = [
        message.message_id for message in event.messages if message.message_id in claimed
    ]
    if state is not None and state.currency != currency:
        # An operator moved the empty balance to another company's currency since the read:
        # the event is retried, priced in the new one.
        raise RuntimeError(f"balance of {event.account_id} changed currency while charging")
    if state is not None:
        await messages.mark_charged(session, message_ids)
        await repository.add_legs([d for d in claimed.values() if d.amount_units])
        await after_debit(session, event.account_id, state)
        charges = [
            BatchCharge(message_id=message_id, amount=format_units(costs[message_id]))
            for message_id in message_ids
        ]
        add_event(
            session,
            Outbox,
            BatchChargeAuthorized(
                account_id=event.account_id,
                batch_id=event.batch_id,
                charges=charges,
                currency=state.currency,
            ),
        )
        return
    # Declined: take every claim back so the ledger is exactly as it was.
    await repository.remove([draft.id for draft in claimed.values()])
    await messages.mark_declined(session, message_ids)
    count_after_commit(session, metrics.DECLINED.labels("insufficient_funds"), len(message_ids))
    current = await repository.balance(event.account_id)
    assert current is not None, "open_account ran in this transaction"
    amount, balance_currency = current.amount_units, current.currency
    add_event(
        session,
        Outbox,
        BatchChargeDeclined(
            account_id=event.account_id,
            batch_id=event.batch_id,
            message_ids=message_ids,
            code="insufficient_funds",
            reason=(
                f"Balance {format_units(amount)} {balance_currency} does not cover the "
                f"batch's {format_units(total)} {balance_currency}"
            ),
        ),
    )


def _decline_unpriced(session: AsyncSession, event: BatchAccepted, unpriced: list[str]) -> None:
    message_ids = [message.message_id for message in event.messages]
    count_after_commit(session, metrics.DECLINED.labels("no_tariff"), len(message_ids))
    shown = ", ".join(unpriced[:5]) + (
        f" and {len(unpriced) - 5} more" if len(unpriced) > 5 else ""
    )
    add_event(
        session,
        Outbox,
        BatchChargeDeclined(
            account_id=event.account_id,
            batch_id=event.batch_id,
            message_ids=message_ids,
            code="no_tariff",
            reason=f"The account's tariff has no price for {shown}",
        ),
    )

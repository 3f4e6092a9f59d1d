"""Balances and charges. Called from the consumer's transaction or the request's session;
nothing here commits."""

import logging
from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Outbox
from billing_service.ledger import metrics
from billing_service.ledger.models import LedgerEntry
from billing_service.ledger.money import Pricing, format_units
from billing_service.ledger.repository import LedgerRepository
from billing_service.tariffs.book import TariffBook
from billing_service.tariffs.cache import TariffCache
from shared.events import ChargeAuthorized, ChargeDeclined, MessageAccepted
from shared.inbox import PoisonEvent
from shared.metrics.staged import count_after_commit
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def open_account(session: AsyncSession, pricing: Pricing, account_id: UUID) -> None:
    """Give the account its balance, empty, unless it has one: anything may, in any order.
    Opening is not what grants credit (an unverified account must not get any)."""
    await LedgerRepository(session).create_balance(account_id, 0, pricing.currency)


async def grant_starter_credit(session: AsyncSession, pricing: Pricing, account_id: UUID) -> None:
    """The free starter credit (R1), once the account's e-mail is verified (issue 7): the
    ledger entry's key is the gate, so `account.registered` (verified) and
    `account.email_verified`, on different partitions and redelivered, grant it once."""
    await open_account(session, pricing, account_id)
    if not pricing.starter_credit_units:
        return
    repository = LedgerRepository(session)
    granted = await repository.add_entry(
        account_id=account_id,
        kind="starter_credit",
        amount_units=pricing.starter_credit_units,
        idempotency_key=f"starter:{account_id}",
    )
    if granted is not None:
        await repository.credit(account_id, pricing.starter_credit_units)


async def charge_messages(
    session: AsyncSession,
    pricing: Pricing,
    tariffs: TariffCache,
    events: Sequence[MessageAccepted],
) -> None:
    """Reserve each message's price and say so on billing.charges, or decline it: in the
    events' order, as if charged one by one, but in a few statements per account."""
    for event in events:
        if event.segments < 1:
            # The whole run fails and the inbox retries it event by event: only this one
            # goes to the dead letters.
            raise PoisonEvent(f"message {event.message_id} has {event.segments} segments")
    by_account: dict[UUID, list[MessageAccepted]] = defaultdict(list)
    for event in events:
        by_account[event.account_id].append(event)
    book = await tariffs.book(session)
    for account_id, account_events in by_account.items():
        await _charge_account(session, pricing, book, account_id, account_events)


async def _charge_account(
    session: AsyncSession,
    pricing: Pricing,
    book: TariffBook,
    account_id: UUID,
    events: list[MessageAccepted],
) -> None:
    # Topics are not ordered with each other, so a message may overtake its account's
    # registration: it finds an empty balance (the credit comes with the verification).
    await open_account(session, pricing, account_id)
    repository = LedgerRepository(session)
    # Priced by the tariff in force when dispatch accepted the message, however late the
    # event is charged. None: no price to that destination (declined `no_tariff`).
    costs: dict[UUID, int | None] = {}
    for event in events:
        price = book.price_of(account_id, event.to, event.occurred_at)
        costs[event.message_id] = None if price is None else event.segments * price.units
    causes = {event.message_id: event for event in events}  # each charge joins its trace
    # Claim the charges before paying: the unique keys make a second event for a message
    # (not only a redelivery, which the inbox drops) find the claim and stop, and on
    # PostgreSQL a concurrent claim waits for this transaction instead of charging twice.
    claimed = await repository.add_charges(
        account_id, {message_id: cost or 0 for message_id, cost in costs.items()}
    )
    for event in events:
        if event.message_id not in claimed:
            log.info(
                "message %s is charged already; event %s ignored", event.message_id, event.event_id
            )
    if not claimed:
        return
    current = await repository.lock_balance(account_id)
    assert current is not None, "open_account ran in this transaction"
    left, currency = current
    spent, declined = 0, []
    for message_id, cost in costs.items():
        if message_id not in claimed:
            continue
        if cost is None:
            declined.append(claimed[message_id])
            add_event(session, Outbox, _unpriced(account_id, message_id), cause=causes[message_id])
            count_after_commit(session, metrics.DECLINED.labels("no_tariff"))
            continue
        if cost <= left:
            left -= cost
            spent += cost
            add_event(
                session,
                Outbox,
                ChargeAuthorized(
                    account_id=account_id,
                    message_id=message_id,
                    amount=format_units(cost),
                    currency=currency,
                ),
                cause=causes[message_id],
            )
            continue
        declined.append(claimed[message_id])
        declined_event = _declined(account_id, message_id, left, cost, currency)
        add_event(session, Outbox, declined_event, cause=causes[message_id])
        count_after_commit(session, metrics.DECLINED.labels("insufficient_funds"))
    if spent and await repository.debit(account_id, spent) is None:
        raise RuntimeError(f"balance of {account_id} changed under its lock")
    if declined:
        # Take the declined claims back so a decline leaves the ledger as it was.
        await repository.remove_entries(declined)


def _unpriced(account_id: UUID, message_id: UUID) -> ChargeDeclined:
    return ChargeDeclined(
        account_id=account_id,
        message_id=message_id,
        code="no_tariff",
        reason="The account's tariff has no price for this destination",
    )


def _declined(
    account_id: UUID, message_id: UUID, balance: int, cost: int, currency: str
) -> ChargeDeclined:
    return ChargeDeclined(
        account_id=account_id,
        message_id=message_id,
        code="insufficient_funds",
        reason=(
            f"Balance {format_units(balance)} {currency} "
            f"does not cover {format_units(cost)} {currency}"
        ),
    )


async def balance_of(session: AsyncSession, pricing: Pricing, account_id: UUID) -> tuple[int, str]:
    """The account's balance; zero before billing has opened it (whether credit is coming
    depends on a verification billing may not have seen). Read-only: a GET never opens a
    balance."""
    current = await LedgerRepository(session).balance(account_id)
    return current or (0, pricing.currency)


async def statement(session: AsyncSession, account_id: UUID, limit: int) -> list[LedgerEntry]:
    return await LedgerRepository(session).entries(account_id, limit)

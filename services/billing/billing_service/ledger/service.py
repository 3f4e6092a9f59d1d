"""Balances, charges, refunds and credits, posted to the double-entry ledger. Called from
the consumer's transaction or the request's session; nothing here commits."""

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.config import BillingSettings
from billing_service.db import Outbox
from billing_service.ledger import metrics, postings
from billing_service.ledger.models import (
    CREDIT_KINDS,
    BookAccount,
    LedgerTransaction,
    TransactionKind,
)
from billing_service.ledger.money import Pricing, format_units
from billing_service.ledger.postings import Draft
from billing_service.ledger.repository import BalanceState, LedgerRepository
from billing_service.messages import repository as messages
from billing_service.messages.repository import Heard
from billing_service.tariffs.book import TariffBook
from billing_service.tariffs.cache import TariffCache
from shared.events import BalanceLow, ChargeAuthorized, ChargeDeclined, MessageAccepted
from shared.inbox import PoisonEvent
from shared.metrics.staged import count_after_commit
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def open_account(session: AsyncSession, pricing: Pricing, account_id: UUID) -> str:
    """Give the account its balance, empty, unless it has one: anything may, in any order.
    Opening is not what grants credit (an unverified account must not get any). The
    balance's currency: BILLING_CURRENCY until the registration assigns a company
    (billing_service.companies), which moves the still-empty balance to the company's.

    One read when the balance exists, which is every time but the first: the hot path."""
    repository = LedgerRepository(session)
    currency = await repository.currency_of(account_id)
    if currency is None:
        await repository.create_balance(account_id, 0, pricing.currency)
        # Another transaction may have opened it first, in its own currency.
        currency = await repository.currency_of(account_id)
        assert currency is not None, "opened just now"
    return currency


async def currency_of(session: AsyncSession, pricing: Pricing, account_id: UUID) -> str:
    """The currency the account is priced and charged in, without opening its balance."""
    return await LedgerRepository(session).currency_of(account_id) or pricing.currency


async def open_account_in(session: AsyncSession, account_id: UUID, currency: str) -> bool:
    """Open the balance in `currency`, or move it there while it holds nothing (the company
    was assigned after a message or a payment overtook the registration). False when the
    balance keeps another currency because it holds money."""
    repository = LedgerRepository(session)
    if await repository.create_balance(account_id, 0, currency):
        return True
    return await repository.adopt_currency(account_id, currency)


async def grant_starter_credit(session: AsyncSession, pricing: Pricing, account_id: UUID) -> None:
    """The free starter credit (R1), once the account's e-mail is verified (issue 7): the
    transaction's key is the gate, so `account.registered` (verified) and
    `account.email_verified`, on different partitions and redelivered, grant it once. It
    comes out of the platform's promotions account and counts as the first top-up."""
    currency = await open_account(session, pricing, account_id)
    if not pricing.starter_credit_units:
        return
    # BILLING_STARTER_CREDIT is the same figure in every currency (docs/billing.md).
    draft = Draft(
        account_id=account_id,
        kind="starter_credit",
        amount_units=pricing.starter_credit_units,
        idempotency_key=postings.starter_key(account_id),
        counter_book="promotions",
        currency=currency,
    )
    await _post_credit(session, draft, remember=True)


@cache
def _default_currency() -> str:
    # post_credit's signature (shared with payments) carries no settings; read once.
    return BillingSettings().currency


async def post_credit(
    session: AsyncSession,
    *,
    account_id: UUID,
    amount_units: int,
    kind: str,
    idempotency_key: str,
    counter_account: str = "payment_clearing",
    currency: str | None = None,
) -> bool:
    """Money into the customer's balance from a payment (`top_up`, `invoice_payment`) or an
    operator (`manual_adjustment`), moved out of `counter_account`. True when posted, False
    when `idempotency_key` was used before (a replayed webhook): nothing moves twice.

    Raises ValueError for an amount that is not positive, a kind that is not a credit or an
    unknown counter account, or a `currency` (None: the balance's) other than the balance's:
    the caller's bug, never a customer's input (a company change that would switch the
    balance's currency waits for money on its way, billing_service.companies)."""
    if amount_units <= 0:
        raise ValueError(f"a credit is positive, not {amount_units}")
    if kind not in CREDIT_KINDS:
        raise ValueError(f"{kind!r} is not one of {sorted(CREDIT_KINDS)}")
    if counter_account not in {"payment_clearing", "promotions", "refunds_payable", "revenue"}:
        raise ValueError(f"{counter_account!r} can't fund a credit")
    repository = LedgerRepository(session)
    # Paying may come before billing heard of the account (topics are not ordered).
    await repository.create_balance(account_id, 0, currency or _default_currency())
    held = await repository.currency_of(account_id)
    assert held is not None, "opened above"
    if currency is not None and currency != held:
        raise ValueError(f"a credit in {currency} can't go into a balance kept in {held}")
    draft = Draft(
        account_id=account_id,
        kind=cast(TransactionKind, kind),  # checked against CREDIT_KINDS above
        amount_units=amount_units,
        idempotency_key=idempotency_key,
        counter_book=cast(BookAccount, counter_account),  # checked above
        currency=held,
    )
    return await _post_credit(session, draft, remember=kind != "manual_adjustment")


async def _post_credit(session: AsyncSession, draft: Draft, *, remember: bool) -> bool:
    repository = LedgerRepository(session)
    if not await repository.claim([draft]):
        return False
    await repository.add_legs([draft])
    state = await repository.credit(draft.account_id, draft.amount_units, remember=remember)
    assert state is not None, "the balance was opened in this transaction"
    await _check_low(session, draft.account_id, state)
    return True


async def refund_part(session: AsyncSession, message_id: UUID, part_index: int) -> bool:
    """Give back one part's share of a message's charge (a part the platform could not send):
    True when refunded, False when it was before, or when the message was never charged."""
    repository = LedgerRepository(session)
    charged = await repository.charge_of(message_id)
    if charged is None:
        log.info("message %s has no charge to refund", message_id)
        return False
    if not 1 <= part_index <= charged.parts:
        raise PoisonEvent(f"message {message_id} has no part {part_index}")
    draft = postings.refund_of(charged, part_index)
    if not draft.amount_units:
        return False  # a free message: nothing to give back
    locked = await repository.lock_balance(charged.account_id)
    if locked is not None and locked[1] != charged.currency:
        # The balance moved to another company's currency after the charge (only ever
        # empty): the refund can't go into it, nothing converts. The platform owes it in the
        # charge's currency instead, as refunds payable, paid out by bank like a closed
        # account's (docs/billing.md).
        log.warning(
            "refund of message %s part %d in %s owed as refunds payable: the balance is in %s",
            message_id,
            part_index,
            charged.currency,
            locked[1],
        )
        owed = postings.owed_refund(draft)
        if not await repository.claim([owed]):
            return False
        await repository.add_legs([owed])
        return True
    return await _post_credit(session, draft, remember=False)


async def set_low_threshold(
    session: AsyncSession, pricing: Pricing, account_id: UUID, units: int | None
) -> BalanceState:
    """The customer's own threshold (None: back to 10 % of the last top-up), applied at
    once: a threshold set above the balance is a crossing too."""
    await open_account(session, pricing, account_id)
    state = await LedgerRepository(session).set_low_threshold(account_id, units)
    assert state is not None, "opened above"
    return await _check_low(session, account_id, state)


async def _check_low(session: AsyncSession, account_id: UUID, state: BalanceState) -> BalanceState:
    """Say BalanceLow once when the balance goes below the threshold, and get ready to say
    it again once it is back at or above it (R5)."""
    threshold = state.threshold_units
    below = threshold > 0 and state.amount_units < threshold
    if below == state.low_flagged:
        return state
    await LedgerRepository(session).set_low_flag(account_id, below)
    if below:
        add_event(
            session,
            Outbox,
            BalanceLow(
                account_id=account_id,
                balance=format_units(state.amount_units),
                threshold=format_units(threshold),
                currency=state.currency,
            ),
        )
    return BalanceState(
        state.amount_units,
        state.currency,
        state.low_threshold_units,
        state.last_credit_units,
        below,
    )


async def after_debit(session: AsyncSession, account_id: UUID, state: BalanceState) -> None:
    """What a charge's debit may set off: for the charging paths (messages, batches)."""
    if not state.low_flagged:
        await _check_low(session, account_id, state)


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
    # What dispatch accepted, apart from what it cost: the reconciliation compares the two.
    declined_before = await messages.record(
        session,
        [Heard(e.message_id, e.account_id, e.segments, e.occurred_at) for e in events],
    )
    by_account: dict[UUID, list[MessageAccepted]] = defaultdict(list)
    for event in events:
        if event.message_id in declined_before:
            # Dispatch rejected it when it was declined: a later event for it (not a
            # redelivery, which the inbox drops) must not charge a message never sent.
            log.info("message %s was declined; event %s ignored", event.message_id, event.event_id)
            continue
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
    # Priced in the balance's currency: the tariffs in any other can't be charged to it.
    currency = await open_account(session, pricing, account_id)
    repository = LedgerRepository(session)
    # Priced by the tariff in force when dispatch accepted the message, however late the
    # event is charged. None: no price to that destination (declined `no_tariff`).
    costs: dict[UUID, int | None] = {}
    drafts: dict[UUID, Draft] = {}
    for event in events:
        price = book.price_of(account_id, event.to, event.occurred_at, currency)
        cost = None if price is None else event.segments * price.units
        costs[event.message_id] = cost
        drafts[event.message_id] = postings.charge(
            account_id,
            event.message_id,
            cost or 0,
            currency=currency,
            parts=event.segments,
            country=event.country_code or postings.country_of(event.to),
            sender=event.sender,
        )
    causes = {event.message_id: event for event in events}  # each charge joins its trace
    # Claim the charges before paying: the unique keys make a second event for a message
    # (not only a redelivery, which the inbox drops) find the claim and stop, and on
    # PostgreSQL a concurrent claim waits for this transaction instead of charging twice.
    claimed_ids = await repository.claim(list(drafts.values()))
    claimed = {m: d for m, d in drafts.items() if d.id in claimed_ids}
    for event in events:
        if event.message_id not in claimed:
            log.info(
                "message %s is charged already; event %s ignored", event.message_id, event.event_id
            )
    if not claimed:
        return
    current = await repository.lock_spendable(account_id)
    assert current is not None, "open_account ran in this transaction"
    balance, left, locked_currency = current  # left: down to the credit limit when postpaid
    if locked_currency != currency:
        # An operator moved the empty balance to another company's currency between the
        # read and the lock: the whole run is retried, priced in the new one.
        raise RuntimeError(f"balance of {account_id} changed currency while charging")
    spent, declined, paid = 0, [], []
    declined_messages: list[UUID] = []
    authorized: list[UUID] = []
    for message_id, cost in costs.items():
        if message_id not in claimed:
            continue
        if cost is None:
            declined.append(claimed[message_id].id)
            declined_messages.append(message_id)
            add_event(session, Outbox, _unpriced(account_id, message_id), cause=causes[message_id])
            count_after_commit(session, metrics.DECLINED.labels("no_tariff"))
            continue
        if cost <= left:
            left -= cost
            spent += cost
            if cost:
                paid.append(claimed[message_id])
            authorized.append(message_id)
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
        declined.append(claimed[message_id].id)
        declined_messages.append(message_id)
        declined_event = _declined(account_id, message_id, balance - spent, cost, currency)
        add_event(session, Outbox, declined_event, cause=causes[message_id])
        count_after_commit(session, metrics.DECLINED.labels("insufficient_funds"))
    if declined:
        # Take the declined claims back so a decline leaves the ledger as it was.
        await repository.remove(declined)
        await messages.mark_declined(session, declined_messages)
    await messages.mark_charged(session, authorized)
    # The legs of every paid charge in one statement, then one debit for them all.
    await repository.add_legs(paid)
    if spent:
        state = await repository.debit(account_id, spent)
        if state is None:
            raise RuntimeError(f"balance of {account_id} changed under its lock")
        await after_debit(session, account_id, state)


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


@dataclass(frozen=True, slots=True)
class Spendable:
    """What the customer is shown: the balance, the credit limit a postpaid account may go
    below zero by (0 when prepaid), and what it can still spend, the two together."""

    amount_units: int
    credit_limit_units: int
    currency: str

    @property
    def available_units(self) -> int:
        return self.amount_units + self.credit_limit_units


async def balance_of(session: AsyncSession, pricing: Pricing, account_id: UUID) -> Spendable:
    """The account's balance; zero before billing has opened it (whether credit is coming
    depends on a verification billing may not have seen). Read-only: a GET never opens a
    balance."""
    current = await LedgerRepository(session).spendable(account_id)
    return Spendable(*current) if current else Spendable(0, 0, pricing.currency)


async def low_balance_of(session: AsyncSession, account_id: UUID) -> BalanceState | None:
    return await LedgerRepository(session).balance(account_id)


async def page(
    session: AsyncSession,
    account_id: UUID,
    *,
    limit: int,
    after: tuple[datetime, UUID] | None,
    kinds: Sequence[str],
    since: datetime | None,
    until: datetime | None,
) -> list[LedgerTransaction]:
    return await LedgerRepository(session).page(
        account_id, limit=limit, after=after, kinds=kinds, since=since, until=until
    )

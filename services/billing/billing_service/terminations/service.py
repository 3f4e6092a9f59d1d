"""Termination refunds: opened when auth says an account closed, moved to refunds payable
when the customer gives bank details, paid out or returned by operators. Nothing here
commits: the consumer's or the request's transaction does, with the outbox."""

import logging
from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Outbox
from billing_service.ledger.money import format_units
from billing_service.ledger.postings import Draft
from billing_service.ledger.repository import LedgerRepository
from billing_service.terminations import repository
from billing_service.terminations.business_days import REFUND_BUSINESS_DAYS, add_business_days
from billing_service.terminations.models import RefundRequest
from billing_service.terminations.schemas import BankDetails
from shared.audit import Auditor
from shared.errors import NotFound, ProblemError
from shared.events import AccountStateChanged, AuditRecorded, utcnow
from shared.outbox import add_event
from shared.security import Principal

log = logging.getLogger(__name__)


class RefundAlreadyPaid(ProblemError):
    def __init__(self) -> None:
        super().__init__(409, "refund_already_paid", "Refund already paid", "It was paid out once")


class RefundNotPayable(ProblemError):
    def __init__(self, state: str) -> None:
        super().__init__(
            409,
            "refund_not_payable",
            "Refund not payable",
            f"The request is {state}: only a requested refund (bank details given) is paid",
        )


class RefundClosed(ProblemError):
    def __init__(self, state: str) -> None:
        super().__init__(
            409, "refund_request_closed", "Refund request closed", f"The request is {state}"
        )


async def on_state_changed(session: AsyncSession, event: AccountStateChanged) -> None:
    """auth's account states: a closing opens a refund request, a reopening withdraws it."""
    if event.state == "closed":
        await _open(session, event)
    elif event.state == "active":
        await _withdraw(session, event.account_id)


async def _open(session: AsyncSession, event: AccountStateChanged) -> None:
    if await repository.open_of(session, event.account_id) is not None:
        return
    balance = await LedgerRepository(session).balance(event.account_id)
    # Refundable: the balance, which already carries every charge, penalty and (postpaid)
    # debt; never negative. Nothing to give back, no request.
    refundable = max(0, balance.amount_units) if balance else 0
    if not refundable or balance is None:
        log.info("account %s closed with nothing to refund", event.account_id)
        return
    await repository.create(
        session,
        account_id=event.account_id,
        close_event_id=event.event_id,
        amount_units=refundable,
        currency=balance.currency,
        closed_at=event.occurred_at,
    )


async def _withdraw(session: AsyncSession, account_id: UUID) -> None:
    # Logging in again reopens a closed account (auth): it keeps its balance to spend.
    request = await repository.open_of(session, account_id)
    if request is None:
        return
    if request.state == "requested":
        await _return_to_balance(session, request)
    request.state = "withdrawn"
    request.decided_at = utcnow()
    request.decided_by = "system:account_reopened"


async def current(session: AsyncSession, account_id: UUID) -> RefundRequest:
    request = await repository.latest_of(session, account_id)
    if request is None:
        raise NotFound("Refund request")
    return request


async def give_details(
    session: AsyncSession, auditor: Auditor, details: BankDetails
) -> RefundRequest:
    """The customer's bank details. The first time, the refundable balance becomes refunds
    payable (it can no longer be spent, and the 10 business days start); later, before it
    is paid, the details may be corrected."""
    request = await repository.open_of(session, auditor.account_id)
    if request is None:
        latest = await repository.latest_of(session, auditor.account_id)
        if latest is None:
            raise NotFound("Refund request")
        raise RefundClosed(latest.state)
    request.holder, request.iban, request.bic = details.holder, details.iban, details.bic
    if request.state == "awaiting_details":
        await _move_to_payable(session, request)
        now = utcnow()
        request.state = "requested"
        request.details_at = now
        request.due_on = add_business_days(now.date(), REFUND_BUSINESS_DAYS)
    # Names only: the details themselves stay in billing.
    add_event(
        session,
        Outbox,
        auditor.event("billing.refund_details_given", "refund_request", request.id),
    )
    return request


async def _move_to_payable(session: AsyncSession, request: RefundRequest) -> None:
    ledger = LedgerRepository(session)
    locked = await ledger.lock_balance(request.account_id)
    # What the balance holds now: a part refunded since the closing is the customer's too.
    request.amount_units = max(0, locked[0]) if locked else 0
    if not request.amount_units:
        return
    assert locked is not None
    # The money is owed in the currency it was paid in: the balance's, now.
    request.currency = locked[1]
    draft = Draft(
        account_id=request.account_id,
        kind="termination_refund",
        amount_units=-request.amount_units,
        idempotency_key=f"termination:{request.id}",
        counter_book="refunds_payable",
        currency=request.currency,
    )
    if not await ledger.claim([draft]):
        return
    await ledger.add_legs([draft])
    if await ledger.debit(request.account_id, request.amount_units) is None:
        raise RuntimeError(f"balance of {request.account_id} changed under its lock")


async def _return_to_balance(session: AsyncSession, request: RefundRequest) -> None:
    if not request.amount_units:
        return
    ledger = LedgerRepository(session)
    draft = Draft(
        account_id=request.account_id,
        kind="refund_returned",
        amount_units=request.amount_units,
        idempotency_key=f"termination:{request.id}:returned",
        counter_book="refunds_payable",
        currency=request.currency,
    )
    if not await ledger.claim([draft]):
        return
    await ledger.add_legs([draft])
    await ledger.credit(request.account_id, request.amount_units)


async def mark_paid(session: AsyncSession, operator: Principal, request_id: UUID) -> RefundRequest:
    """The operator transferred the money: refunds payable go to the bank, once. The row
    lock makes a second click wait and then find it paid."""
    request = await repository.locked(session, request_id)
    if request is None:
        raise NotFound("Refund request")
    if request.state == "paid":
        raise RefundAlreadyPaid()
    if request.state != "requested":
        raise RefundNotPayable(request.state)
    if request.amount_units:
        payout = Draft(
            account_id=request.account_id,
            kind="refund_payout",
            source_book="refunds_payable",
            amount_units=-request.amount_units,
            idempotency_key=f"termination:{request.id}:payout",
            counter_book="payment_clearing",
            currency=request.currency,
        )
        ledger = LedgerRepository(session)
        if not await ledger.claim([payout]):
            raise RefundAlreadyPaid()
        await ledger.add_legs([payout])
    request.state = "paid"
    request.decided_at = utcnow()
    request.decided_by = f"operator:{operator.subject}"[:160]
    _audit(session, request, operator, "billing.refund_paid")
    return request


async def reject(
    session: AsyncSession, operator: Principal, request_id: UUID, reason: str
) -> RefundRequest:
    """Refused (e.g. the details turned out wrong and the customer is unreachable): the
    money goes back to the account's balance, where a later request may find it."""
    request = await repository.locked(session, request_id)
    if request is None:
        raise NotFound("Refund request")
    if request.state not in ("awaiting_details", "requested"):
        raise RefundClosed(request.state)
    if request.state == "requested":
        await _return_to_balance(session, request)
    request.state = "rejected"
    request.rejection_reason = reason
    request.decided_at = utcnow()
    request.decided_by = f"operator:{operator.subject}"[:160]
    _audit(session, request, operator, "billing.refund_rejected")
    return request


async def find(
    session: AsyncSession, state: str | None, account_id: UUID | None, limit: int
) -> list[RefundRequest]:
    return await repository.find(session, state, account_id, limit)


async def overdue(session: AsyncSession, today: date, limit: int) -> list[RefundRequest]:
    return await repository.overdue(session, today, limit)


def _audit(session: AsyncSession, request: RefundRequest, operator: Principal, action: str) -> None:
    # Figures only: the bank details stay in billing.
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=request.account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action=action,
            object_type="refund_request",
            object_id=str(request.id),
            details={"amount": format_units(request.amount_units), "currency": request.currency},
        ),
    )

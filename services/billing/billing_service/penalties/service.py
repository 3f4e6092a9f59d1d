"""Posting a penalty: the customer's balance pays revenue, in one transaction with the
operator's audit record. Nothing here commits."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Outbox
from billing_service.ledger.money import format_units
from billing_service.ledger.postings import Draft
from billing_service.ledger.repository import BalanceState, LedgerRepository
from billing_service.ledger.service import after_debit
from shared.errors import ProblemError
from shared.events import AuditRecorded
from shared.outbox import add_event
from shared.security import Principal


class PenaltyExists(ProblemError):
    def __init__(self, case_id: str) -> None:
        super().__init__(
            409,
            "penalty_exists",
            "Penalty already posted",
            f"Case {case_id} has its penalty already; a case is penalised once",
        )


class PenaltyNotCovered(ProblemError):
    def __init__(self, balance: str, amount: str) -> None:
        # The balance may never go below zero; a debt would need an invoice (issue 10 item 4).
        super().__init__(
            422,
            "insufficient_funds",
            "Balance does not cover the penalty",
            f"Balance {balance} does not cover {amount}",
        )


class NoBalance(ProblemError):
    def __init__(self, account_id: UUID) -> None:
        super().__init__(404, "not_found", "Not found", f"Billing has no account {account_id}")


async def post_penalty(
    session: AsyncSession,
    operator: Principal,
    *,
    account_id: UUID,
    amount_units: int,
    case_id: str,
    reason: str,
) -> tuple[UUID, BalanceState]:
    repository = LedgerRepository(session)
    current = await repository.lock_balance(account_id)
    if current is None:
        raise NoBalance(account_id)
    draft = Draft(
        account_id=account_id,
        kind="penalty",
        amount_units=-amount_units,
        idempotency_key=f"penalty:{case_id}",
        counter_book="revenue",
        currency=current[1],
        memo=reason,
    )
    if not await repository.claim([draft]):
        raise PenaltyExists(case_id)
    state = await repository.debit(account_id, amount_units)
    if state is None:
        # Raised before the commit: the claim above is rolled back with the request.
        raise PenaltyNotCovered(format_units(current[0]), format_units(amount_units))
    await repository.add_legs([draft])
    await after_debit(session, account_id, state)
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action="billing.penalty_posted",
            object_type="ledger_transaction",
            object_id=str(draft.id),
            # Names and figures; the reason is on the customer's statement.
            details={"case_id": case_id, "amount": format_units(amount_units)},
        ),
    )
    return draft.id, state

"""The one place money enters a balance from outside (top-ups, paid invoices).

Kept to one function so the ledger behind it can change (double-entry `post_credit`) without
touching the payment code: callers pass what the credit is and a key that makes it happen
at most once."""

from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.repository import LedgerRepository
from billing_service.ledger.service import post_credit

CreditKind = Literal["top_up", "invoice_payment"]


async def credit_account(
    session: AsyncSession,
    *,
    account_id: UUID,
    amount_units: int,
    kind: CreditKind,
    idempotency_key: str,
    currency: str,
) -> bool:
    """Credit the balance in the caller's transaction, out of `payment_clearing` (a
    double-entry transaction); False when the key was used before (nothing credited again)."""
    if amount_units <= 0:
        raise ValueError(f"a credit must be positive, not {amount_units}")
    # Locked first: the balance must exist (a payment is only ever started by an account
    # billing knows), and two credits of one key wait for each other instead of racing.
    if await LedgerRepository(session).lock_balance(account_id) is None:
        raise LookupError(f"account {account_id} has no balance to credit")
    return await post_credit(
        session,
        account_id=account_id,
        amount_units=amount_units,
        kind=kind,
        idempotency_key=idempotency_key,
        currency=currency,
    )

"""The one place money enters a balance from outside (top-ups, paid invoices).

Kept to one function so the ledger behind it can change (double-entry `post_credit`) without
touching the payment code: callers pass what the credit is and a key that makes it happen
at most once."""

from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.ledger.repository import LedgerRepository

CreditKind = Literal["top_up", "invoice_payment"]


async def credit_account(
    session: AsyncSession,
    *,
    account_id: UUID,
    amount_units: int,
    kind: CreditKind,
    idempotency_key: str,
) -> bool:
    """Credit the balance in the caller's transaction; False when the key was used before
    (nothing credited again)."""
    if amount_units <= 0:
        raise ValueError(f"a credit must be positive, not {amount_units}")
    repository = LedgerRepository(session)
    # Locked first: the balance must exist (else the entry would record money no balance
    # holds), and two credits of one key wait for each other instead of racing.
    if await repository.lock_balance(account_id) is None:
        raise LookupError(f"account {account_id} has no balance to credit")
    entry = await repository.add_entry(
        account_id=account_id,
        kind=kind,
        amount_units=amount_units,
        idempotency_key=idempotency_key,
    )
    if entry is None:
        return False
    await repository.credit(account_id, amount_units)
    return True

"""The double-entry ledger (issue 10, item 2) and the running balance it is reconciled with.

Every movement of money is a `LedgerTransaction` of `LedgerPosting`s between book accounts
whose amounts sum to zero: money is only ever moved, never made or lost. The customer's
`balances` row is the running sum of its `balance` postings, kept in step in the same
transaction so the hot path charges with one conditional UPDATE; `billing_service.reconcile`
checks the two agree.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

# What moved the money. The first three come from events; the credits from payments (or an
# operator); `penalty` is an operator's charge for a violation; the last three a closed
# account's refund.
TransactionKind = Literal[
    "starter_credit",
    "charge",
    "refund",
    "top_up",
    "invoice_payment",
    "manual_adjustment",
    "penalty",
    # A closed account's refund (issue 10 item 7): its balance becomes refunds payable when
    # the customer gives bank details, paid out to the bank or returned to the balance.
    "termination_refund",
    "refund_payout",
    "refund_returned",
]
TRANSACTION_KINDS: tuple[str, ...] = TransactionKind.__args__  # type: ignore[attr-defined]
CREDIT_KINDS: frozenset[str] = frozenset({"top_up", "invoice_payment", "manual_adjustment"})

# Book accounts. `balance` is per customer (the posting's account_id); the others are the
# platform's own, one each (account_id NULL). See docs/billing.md for the signs.
BookAccount = Literal[
    "balance",
    "revenue",
    "vat_payable",
    "payment_clearing",
    "refunds_payable",
    "promotions",
]
BOOK_ACCOUNTS: tuple[str, ...] = BookAccount.__args__  # type: ignore[attr-defined]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Balance(Base):
    """What an account can still spend, prepaid, in ten-thousandths of `currency`: the sum
    of its `balance` postings, stored so a charge is one conditional UPDATE."""

    __tablename__ = "balances"
    # The conditional debit never overdraws beyond the credit limit (0 unless postpaid); the
    # database holds the line if code ever does.
    __table_args__ = (
        CheckConstraint("amount_units >= -credit_limit_units", name="within_credit_limit"),
        CheckConstraint("credit_limit_units >= 0", name="credit_limit_not_negative"),
        CheckConstraint("postpaid OR credit_limit_units = 0", name="credit_only_postpaid"),
    )

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    amount_units: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The customer's own low-balance threshold (R5); NULL: 10 % of the last credit.
    low_threshold_units: Mapped[int | None] = mapped_column(BigInteger)
    last_credit_units: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Set when BalanceLow was emitted, cleared by a credit that lifts the balance above the
    # threshold again: one event per crossing, however many charges follow it.
    low_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Postpaid (issue 10 item 6, set by operators): the balance may go down to
    # -credit_limit_units, and its invoices past due suspend sending (billing_service.postpaid).
    postpaid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    credit_limit_units: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class LedgerTransaction(Base):
    """One movement of money, with what a statement and the usage report show of it.

    `amount_units` is the customer's side of it (its `balance` posting, signed: credits
    positive, charges negative), kept here so lists and sums read one table."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        CheckConstraint(_in("kind", TRANSACTION_KINDS), name="kind"),
        # The statement and the usage report: one account's transactions by time.
        Index("ix_ledger_transactions_account_id_created_at", "account_id", "created_at"),
        # A refund finds its message's charge.
        Index("ix_ledger_transactions_message_id", "message_id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    kind: Mapped[TransactionKind] = mapped_column(String(32))
    amount_units: Mapped[int] = mapped_column(BigInteger)
    # Every leg of a transaction is in its currency (the customer's balance's when posted):
    # money never changes currency inside the ledger, so each currency's books balance alone.
    currency: Mapped[str] = mapped_column(String(3))
    # "starter:<account>", "charge:<message>", "refund:<message>:<part>", or the caller's
    # (a payment's). Unique: a replayed event or webhook finds it and posts nothing.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    message_id: Mapped[UUID | None] = mapped_column(Uuid)
    # Charges and refunds: how many parts, to which country and from which sender, as known
    # when charged, so the usage report (R13) needs nothing but the ledger.
    parts: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(2))
    sender: Mapped[str | None] = mapped_column(String(32))
    # Shown to the customer on its statement: why an operator moved its money (a penalty).
    memo: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LedgerPosting(Base):
    """One leg of a transaction: `amount_units` moved into (positive) or out of (negative)
    a book account. A transaction's legs sum to zero."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint(_in("book", BOOK_ACCOUNTS), name="book"),
        CheckConstraint("amount_units <> 0", name="amount_not_zero"),
        # A customer's balance is exactly its own: platform accounts have no account id.
        CheckConstraint(
            "(book = 'balance') = (account_id IS NOT NULL)", name="balance_has_account"
        ),
        # Reconciliation sums each account's balance postings.
        Index("ix_ledger_postings_account_id", "account_id"),
    )

    transaction_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("ledger_transactions.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    book: Mapped[BookAccount] = mapped_column(String(32))
    account_id: Mapped[UUID | None] = mapped_column(Uuid)
    amount_units: Mapped[int] = mapped_column(BigInteger)
    # The transaction's: the platform's books (revenue, VAT payable...) are per currency.
    currency: Mapped[str] = mapped_column(String(3))

"""A transaction before it is written: its legs, checked to balance before anything is
stored. Every way money moves is spelled here, so the books' signs live in one place."""

from dataclasses import dataclass, field, replace
from uuid import UUID, uuid4

import phonenumbers

from billing_service.ledger.models import BookAccount, TransactionKind


class Unbalanced(ValueError):
    """A transaction whose legs don't sum to zero: money made or lost, a bug."""


@dataclass(frozen=True, slots=True)
class Leg:
    book: BookAccount
    amount_units: int
    account_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A transaction to post. `amount_units` is the customer's side (its balance leg)."""

    account_id: UUID
    kind: TransactionKind
    amount_units: int
    idempotency_key: str
    counter_book: BookAccount
    # The balance's currency when posted; every leg is in it (ISO 4217).
    currency: str
    message_id: UUID | None = None
    parts: int | None = None
    country: str | None = None
    sender: str | None = None
    memo: str | None = None
    id: UUID = field(default_factory=uuid4)
    # Where `amount_units` moves: the customer's balance, or (a refund paid out to the bank)
    # one of the platform's books on the customer's behalf, its balance untouched.
    source_book: BookAccount = "balance"

    @property
    def balance_units(self) -> int:
        """What the customer's balance moves by: the transaction's `amount_units`."""
        return self.amount_units if self.source_book == "balance" else 0

    @property
    def legs(self) -> tuple[Leg, Leg]:
        """Two legs: the source (the customer's balance) moves by `amount_units`, the
        counter account by the opposite, so the sum is zero by construction (and checked
        all the same)."""
        owner = self.account_id if self.source_book == "balance" else None
        legs = (
            Leg(self.source_book, self.amount_units, owner),
            Leg(self.counter_book, -self.amount_units),
        )
        check_balanced(legs)
        return legs


def check_balanced(legs: tuple[Leg, ...] | list[Leg]) -> None:
    if sum(leg.amount_units for leg in legs) != 0:
        raise Unbalanced(f"legs sum to {sum(leg.amount_units for leg in legs)}: {legs}")
    if any(leg.amount_units == 0 for leg in legs):
        raise Unbalanced(f"a zero leg moves nothing: {legs}")


def charge_key(message_id: UUID) -> str:
    """The idempotency key of a message's charge, however it was charged (alone or in a
    batch): a message can't be paid for twice."""
    return f"charge:{message_id}"


def refund_key(message_id: UUID, part_index: int) -> str:
    """One refund per part: a part's failure reported twice refunds it once."""
    return f"refund:{message_id}:{part_index}"


def starter_key(account_id: UUID) -> str:
    return f"starter:{account_id}"


def charge(
    account_id: UUID,
    message_id: UUID,
    cost_units: int,
    *,
    currency: str,
    parts: int,
    country: str | None,
    sender: str | None,
) -> Draft:
    """The customer's money becomes the platform's revenue."""
    return Draft(
        account_id=account_id,
        kind="charge",
        amount_units=-cost_units,
        idempotency_key=charge_key(message_id),
        counter_book="revenue",
        currency=currency,
        message_id=message_id,
        parts=parts,
        country=country,
        sender=sender[:32] if sender else None,
    )


def refund_of(charged: "ChargeRecord", part_index: int) -> Draft:
    """One part's share of a charge goes back from revenue to the customer."""
    return Draft(
        account_id=charged.account_id,
        kind="refund",
        amount_units=charged.cost_units // charged.parts,
        idempotency_key=refund_key(charged.message_id, part_index),
        counter_book="revenue",
        currency=charged.currency,
        message_id=charged.message_id,
        parts=1,
        country=charged.country,
        sender=charged.sender,
    )


def owed_refund(refund: Draft) -> Draft:
    """A refund the balance can't take (it is kept in another currency now): from revenue to
    refunds payable, on the customer's behalf, its balance untouched."""
    return replace(
        refund,
        source_book="refunds_payable",
        memo=f"Owed to you in {refund.currency}: your balance is now kept in another currency",
    )


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    """What a refund needs of the charge it undoes."""

    account_id: UUID
    message_id: UUID
    cost_units: int  # positive
    currency: str  # the charge's: its refund goes back in it
    parts: int
    country: str | None
    sender: str | None


_NO_REGION = {"001", "ZZ"}


def country_of(number: str | None) -> str | None:
    """The ISO country of an E.164 number, for the usage report when the event doesn't say
    (batches): the library's metadata, not a table of our own."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number if number.startswith("+") else f"+{number}")
    except phonenumbers.NumberParseException:
        return None
    # The number's own region when it is a valid one; else its country code's main region
    # (a number in a range the metadata doesn't know still costs the country's price).
    region = phonenumbers.region_code_for_number(
        parsed
    ) or phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    # "001" is the library's region for non-geographic codes (+800, +882): no country at all,
    # and three characters that the report's two-letter column would refuse.
    return region if region and region not in _NO_REGION else None

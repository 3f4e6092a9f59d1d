from datetime import date, datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, Field, field_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from billing_service.ledger.money import format_units
from billing_service.terminations.models import RefundRequest, RefundState


class BankDetails(BaseModel):
    holder: str = Field(min_length=1, max_length=200, description="The account holder's name")
    iban: str = Field(min_length=15, max_length=50, examples=["NL91 ABNA 0417 1643 00"])
    bic: str | None = Field(default=None, max_length=11, examples=["ABNANL2A"])

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        # The country's length and format and the check digits: a typo is caught here, not
        # by a bounced transfer weeks later.
        try:
            return IBAN(value).compact
        except SchwiftyException as error:
            raise ValueError(f"not a valid IBAN: {error}") from None

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(BIC(value).compact)
        except SchwiftyException as error:
            raise ValueError(f"not a valid BIC: {error}") from None


def _masked(iban: str | None) -> str | None:
    return None if iban is None else f"{iban[:2]}** **** {iban[-4:]}"


class RefundRequestResponse(BaseModel):
    id: UUID
    state: RefundState
    amount: str = Field(description="What will be or was paid back")
    currency: str
    closed_at: datetime
    holder: str | None
    iban: str | None = Field(description="Masked for the customer: country and last 4 digits")
    details_at: datetime | None
    due_on: date | None = Field(description="Paid by this date: 10 business days after details")
    decided_at: datetime | None
    rejection_reason: str | None

    @classmethod
    def of(cls, request: RefundRequest) -> Self:
        return cls(
            id=request.id,
            state=request.state,
            amount=format_units(request.amount_units),
            currency=request.currency,
            closed_at=request.closed_at,
            holder=request.holder,
            iban=_masked(request.iban),
            details_at=request.details_at,
            due_on=request.due_on,
            decided_at=request.decided_at,
            rejection_reason=request.rejection_reason,
        )


class OpsRefundRequest(RefundRequestResponse):
    account_id: UUID
    iban: str | None = Field(description="In full: where to transfer the money")
    bic: str | None
    decided_by: str | None

    @classmethod
    def of(cls, request: RefundRequest) -> Self:
        base = RefundRequestResponse.of(request).model_dump()
        return cls(
            **base
            | {
                "account_id": request.account_id,
                "iban": request.iban,
                "bic": request.bic,
                "decided_by": request.decided_by,
            }
        )


class OpsRefundList(BaseModel):
    items: list[OpsRefundRequest]


class Rejection(BaseModel):
    reason: str = Field(min_length=1, max_length=500)

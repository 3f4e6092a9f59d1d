from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from billing_service.ledger.models import TransactionKind


class BalanceResponse(BaseModel):
    balance: str = Field(description="Decimal string, 2 to 4 fraction digits", examples=["9.95"])
    credit_limit: str = Field(
        description="How far below zero a postpaid balance may go; 0.00 when prepaid",
        examples=["0.00"],
    )
    available: str = Field(
        description="What can still be spent: the balance plus the credit limit",
        examples=["9.95"],
    )
    currency: str = Field(examples=["EUR"])


class TransactionResponse(BaseModel):
    id: UUID
    kind: TransactionKind
    amount: str = Field(description="Signed decimal string: charges are negative")
    currency: str = Field(
        description="The balance's currency when it moved (ISO 4217)", examples=["EUR"]
    )
    message_id: UUID | None
    parts: int | None = Field(default=None, description="Charges and refunds: SMS parts")
    country: str | None = Field(default=None, description="Charges and refunds: ISO country")
    sender: str | None = None
    memo: str | None = Field(default=None, description="Why an operator moved the money")
    created_at: datetime


class TransactionList(BaseModel):
    items: list[TransactionResponse]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last one"
    )


class LowBalanceThreshold(BaseModel):
    amount: Decimal | None = Field(
        ge=0,
        decimal_places=4,
        max_digits=18,
        description="Decimal in the balance's currency; null: 10 % of the last top-up",
        examples=["5.00"],
    )


class LowBalanceResponse(BaseModel):
    threshold: str = Field(description="In force now (0.00: none yet)", examples=["1.00"])
    custom: bool = Field(description="False: the default, 10 % of the last top-up")
    below: bool = Field(description="The balance is below it (BalanceLow was sent)")
    currency: str

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from billing_service.ledger.models import EntryKind


class BalanceResponse(BaseModel):
    balance: str = Field(description="Decimal string, 2 to 4 fraction digits", examples=["9.95"])
    currency: str = Field(examples=["EUR"])


class TransactionResponse(BaseModel):
    id: UUID
    kind: EntryKind
    amount: str = Field(description="Signed decimal string: charges are negative")
    message_id: UUID | None
    created_at: datetime


class TransactionList(BaseModel):
    items: list[TransactionResponse]

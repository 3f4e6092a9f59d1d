from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field


class PenaltyCreate(BaseModel):
    account_id: UUID
    amount: Decimal = Field(gt=0, decimal_places=4, max_digits=18, examples=["50.00"])
    # The violation case (an R9 hit, a complaint): one penalty per case, so a retried
    # request or a second operator cannot charge it twice.
    case_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    reason: str = Field(min_length=1, max_length=500)


class PenaltyResponse(BaseModel):
    transaction_id: UUID
    account_id: UUID
    amount: str
    balance: str = Field(description="The account's balance after the penalty")
    currency: str

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator


class PostpaidTerms(BaseModel):
    postpaid: bool = Field(description="false: prepaid, the balance never goes below zero")
    credit_limit: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=Decimal("1000000"),
        decimal_places=2,
        max_digits=10,
        examples=["500.00"],
        description="How far below zero a postpaid balance may go; 0 for a prepaid account",
    )

    @model_validator(mode="after")
    def _limit_only_postpaid(self) -> "PostpaidTerms":
        if not self.postpaid and self.credit_limit:
            raise ValueError("a prepaid account has no credit limit")
        return self


class PostpaidResponse(BaseModel):
    account_id: UUID
    postpaid: bool
    credit_limit: str
    balance: str = Field(description="Negative when a postpaid account owes money")
    currency: str

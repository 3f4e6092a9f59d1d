from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

GroupBy = Literal["day", "country", "sender"]


class UsageRow(BaseModel):
    key: str = Field(
        description="The day (YYYY-MM-DD, UTC), the ISO country or the sender; "
        "empty when not known (charges from before the ledger kept it)",
        examples=["2026-12-01", "GB", "Acme"],
    )
    messages: int = Field(description="Messages charged")
    parts: int = Field(description="SMS parts charged")
    refunded_parts: int = Field(description="Parts refunded: the platform could not send them")
    amount: str = Field(description="Net spend, charges less refunds (decimal string)")


class UsageReport(BaseModel):
    since: datetime = Field(serialization_alias="from")
    until: datetime = Field(serialization_alias="to")
    group_by: GroupBy
    currency: str
    rows: list[UsageRow]
    total: UsageRow = Field(description="Every row added up; `key` is `total`")

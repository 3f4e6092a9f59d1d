from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from dispatch_service.messages.status import MessageStatus

StatsGroupBy = Literal["day"]


class DayCounts(BaseModel):
    day: date = Field(description="A UTC day; every day of the range is listed, empty or not")
    total: int
    counts: dict[MessageStatus, int] = Field(
        description="Messages created that day, by their status now; every status is listed"
    )


class MessageStats(BaseModel):
    since: datetime = Field(alias="from")
    until: datetime = Field(alias="to")
    group_by: StatsGroupBy
    items: list[DayCounts]

    model_config = {"populate_by_name": True}

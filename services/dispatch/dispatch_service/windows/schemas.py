from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from dispatch_service.windows.models import SendingWindow

_HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _hh_mm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class WindowBody(BaseModel):
    start: str = Field(pattern=_HH_MM, examples=["09:00"], description="Local time, HH:MM")
    end: str = Field(
        pattern=_HH_MM,
        examples=["21:00"],
        description="Local time, HH:MM, not included; before `start`: the window spans midnight",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("`start` and `end` are the same: the window would be empty")
        return self

    def minutes(self) -> tuple[int, int]:
        return _minutes(self.start), _minutes(self.end)


class WindowResponse(BaseModel):
    start: str
    end: str
    applies_to: str = Field(default="marketing", description="Which messages wait for it")
    updated_at: datetime

    @classmethod
    def of(cls, row: SendingWindow) -> "WindowResponse":
        return cls(
            start=_hh_mm(row.start_minute), end=_hh_mm(row.end_minute), updated_at=row.updated_at
        )

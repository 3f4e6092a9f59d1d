"""Run-time configuration of the SMSC simulator (mutable while it runs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast, get_args

Outcome = Literal["delivered", "undelivered", "expired", "rejected"]
MessageIdFormat = Literal["hex", "decimal"]
ReceiptIdFormat = Literal["same", "decimal"]

OUTCOMES: tuple[str, ...] = get_args(Outcome)


def parse_outcome(value: str) -> Outcome:
    if value not in OUTCOMES:
        raise ValueError(f"unknown outcome {value!r}; expected one of {', '.join(OUTCOMES)}")
    return cast(Outcome, value)


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0
    system_id: str = "smsgw"
    password: str = "secret"
    receipt_delay: float = 0.2
    default_outcome: Outcome = "delivered"
    outcome_by_destination: dict[str, str] = field(default_factory=dict)
    receipt_before_response: bool = False
    message_id_format: MessageIdFormat = "hex"
    receipt_id_format: ReceiptIdFormat = "same"
    receipt_tlvs: bool = True
    # None seeds the id counter from the clock so that a restarted simulator (make dev) never
    # reissues an id the platform may still hold for an older message.
    first_message_id: int | None = None

    def __post_init__(self) -> None:
        parse_outcome(self.default_outcome)
        for outcome in self.outcome_by_destination.values():
            parse_outcome(outcome)
        if self.message_id_format not in get_args(MessageIdFormat):
            raise ValueError(f"unknown message_id_format {self.message_id_format!r}")
        if self.receipt_id_format not in get_args(ReceiptIdFormat):
            raise ValueError(f"unknown receipt_id_format {self.receipt_id_format!r}")

    def outcome_for(self, destination: str) -> Outcome:
        # Looked up per submit, not at start, because tests change outcomes between sends.
        bare = destination.removeprefix("+")
        for key in (destination, bare, "+" + bare):
            if key in self.outcome_by_destination:
                return parse_outcome(self.outcome_by_destination[key])
        return parse_outcome(self.default_outcome)

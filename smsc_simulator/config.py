"""Run-time configuration of the SMSC simulator (mutable while it runs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast, get_args

Outcome = Literal["delivered", "undelivered", "expired", "rejected"]
MessageIdFormat = Literal["hex", "decimal"]
ReceiptIdFormat = Literal["same", "decimal"]
# When a receipt goes out relative to the submit_sm_resp; see faults.py.
ReceiptMode = Literal["normal", "before_response", "late", "twice"]

OUTCOMES: tuple[str, ...] = get_args(Outcome)
RECEIPT_MODES: tuple[str, ...] = get_args(ReceiptMode)


def parse_outcome(value: str) -> Outcome:
    if value not in OUTCOMES:
        raise ValueError(f"unknown outcome {value!r}; expected one of {', '.join(OUTCOMES)}")
    return cast(Outcome, value)


def parse_receipt_mode(value: str) -> ReceiptMode:
    if value not in RECEIPT_MODES:
        raise ValueError(f"unknown receipt mode {value!r}; expected one of {RECEIPT_MODES}")
    return cast(ReceiptMode, value)


@dataclass
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0
    system_id: str = "smsgw"
    password: str = "secret"
    receipt_delay: float = 0.2
    default_outcome: Outcome = "delivered"
    outcome_by_destination: dict[str, str] = field(default_factory=dict)
    # Kept for callers that predate receipt_mode; True means receipt_mode "before_response".
    receipt_before_response: bool = False
    receipt_mode: ReceiptMode = "normal"
    late_delay: float = 60.0
    message_id_format: MessageIdFormat = "hex"
    receipt_id_format: ReceiptIdFormat = "same"
    receipt_tlvs: bool = True
    # None seeds the id counter from the clock so that a restarted simulator (make dev) never
    # reissues an id the platform may still hold for an older message.
    first_message_id: int | None = None
    # A deliver_sm not answered by deliver_sm_resp within this many seconds is sent again;
    # one answered with an error status is sent again after receipt_retry_delay.
    receipt_ack_timeout: float = 10.0
    receipt_retry_delay: float = 1.0
    # Receipts in flight (sent, not yet answered) per session at most.
    receipt_window: int = 64
    # Baseline error mode: this share of submit_sm is answered with error_status (no id).
    error_status: int | None = None
    error_share: float = 1.0
    # Seconds between a submit_sm's arrival and its submit_sm_resp: an SMSC's latency. Each
    # submit waits on its own, so a window of N answers N per delay, not one.
    response_delay: float = 0.0
    # HTTP control API on 127.0.0.1 (control.py); None = none, 0 = a free port.
    control_port: int | None = None
    # SMPP over TLS: the server's certificate chain and key (PEM files); None = plaintext.
    # A client that speaks plaintext to a TLS port fails its bind (the handshake fails).
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    # With TLS: require a client certificate signed by this CA (as some operators do).
    tls_client_ca_file: str | None = None

    def __post_init__(self) -> None:
        parse_outcome(self.default_outcome)
        for outcome in self.outcome_by_destination.values():
            parse_outcome(outcome)
        parse_receipt_mode(self.receipt_mode)
        if self.message_id_format not in get_args(MessageIdFormat):
            raise ValueError(f"unknown message_id_format {self.message_id_format!r}")
        if self.receipt_id_format not in get_args(ReceiptIdFormat):
            raise ValueError(f"unknown receipt_id_format {self.receipt_id_format!r}")
        if not 0.0 <= self.error_share <= 1.0:
            raise ValueError(f"error_share must be within [0, 1], got {self.error_share}")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together")
        if self.response_delay < 0:
            raise ValueError(f"response_delay must not be negative, got {self.response_delay}")

    def outcome_for(self, destination: str) -> Outcome:
        # Looked up per submit, not at start, because tests change outcomes between sends.
        bare = destination.removeprefix("+")
        for key in (destination, bare, "+" + bare):
            if key in self.outcome_by_destination:
                return parse_outcome(self.outcome_by_destination[key])
        return parse_outcome(self.default_outcome)

    @property
    def baseline_receipt_mode(self) -> ReceiptMode:
        return "before_response" if self.receipt_before_response else self.receipt_mode

"""Injected faults: silence, error answers to submit_sm, unusual receipt timing, latency.

The start-up configuration is the baseline (e.g. --error-status); faults posted to the control
API override it, each for an optional number of seconds, and {"clear": true} turns all off.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .config import ReceiptMode, SimulatorConfig


def _status_int(value: Any) -> Any:
    # Command statuses are usually written in hex (0x58); JSON has no hex literals.
    return int(value, 0) if isinstance(value, str) else value


CommandStatus = Annotated[int, BeforeValidator(_status_int), Field(ge=0, le=0xFFFFFFFF)]


class FaultRequest(BaseModel):
    """Body of POST /faults: every field optional, several may be combined."""

    model_config = ConfigDict(extra="forbid")

    clear: bool = False
    drop_connections: bool = False
    silence_seconds: float | None = Field(default=None, ge=0)
    error_status: CommandStatus | None = None
    error_share: float | None = Field(default=None, ge=0, le=1)
    error_seconds: float | None = Field(default=None, gt=0)
    receipt_mode: ReceiptMode | None = None
    late_delay: float | None = Field(default=None, ge=0)
    receipt_mode_seconds: float | None = Field(default=None, gt=0)
    response_delay: float | None = Field(default=None, ge=0)


class FaultError(ValueError):
    """A fault request that is well-formed JSON but cannot be applied."""


@dataclass
class _ErrorFault:
    status: int
    share: float
    until: float | None


@dataclass
class _ReceiptFault:
    mode: ReceiptMode
    until: float | None


def _active(until: float | None, now: float) -> bool:
    return until is None or now < until


def _remaining(until: float | None, now: float) -> float | None:
    return None if until is None else max(0.0, until - now)


class Faults:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._silence_until = 0.0
        self._error: _ErrorFault | None = None
        self._receipt: _ReceiptFault | None = None
        self._late_delay: float | None = None
        self._response_delay: float | None = None
        # Spreads error_share evenly (0.3 → exactly 3 of every 10 submits) so runs repeat.
        self._error_debt = 0.0

    def silent(self) -> bool:
        return time.monotonic() < self._silence_until

    def silence_remaining(self) -> float:
        return max(0.0, self._silence_until - time.monotonic())

    def _error_rule(self) -> _ErrorFault | None:
        """The error mode in force: a posted one while it lasts, else the start-up one."""
        rule = self._posted_error(time.monotonic())
        if rule is None and self.config.error_status:
            rule = _ErrorFault(self.config.error_status, self.config.error_share, None)
        return (
            rule if rule is not None and rule.status else None
        )  # error_status 0 switches the mode off

    def submit_error(self) -> int | None:
        """The status to answer the submit_sm being handled with, or None to accept it."""
        rule = self._error_rule()
        if rule is None:
            return None
        self._error_debt += rule.share
        if self._error_debt >= 1.0 - 1e-9:
            self._error_debt -= 1.0
            return rule.status
        return None

    def receipt_mode(self) -> ReceiptMode:
        if self._receipt is not None and _active(self._receipt.until, time.monotonic()):
            return self._receipt.mode
        return self.config.baseline_receipt_mode

    @property
    def late_delay(self) -> float:
        return self.config.late_delay if self._late_delay is None else self._late_delay

    @property
    def response_delay(self) -> float:
        """Seconds a submit_sm waits for its answer: a posted value, else the start-up one."""
        if self._response_delay is None:
            return self.config.response_delay
        return self._response_delay

    def apply(self, request: FaultRequest) -> None:
        """Apply all of the request or, if any part of it cannot be applied, none of it."""
        now = time.monotonic()
        error_alone = request.error_status is None and (
            request.error_share is not None or request.error_seconds is not None
        )
        if error_alone and (request.clear or self._posted_error(now) is None):
            raise FaultError("error_share/error_seconds need error_status")
        if request.receipt_mode_seconds is not None and request.receipt_mode is None:
            raise FaultError("receipt_mode_seconds needs receipt_mode")
        if request.clear:
            self._silence_until = 0.0
            self._error = self._receipt = self._late_delay = self._response_delay = None
            self.config.error_status = None
            self.config.receipt_mode, self.config.receipt_before_response = "normal", False
            self._error_debt = 0.0
        if request.silence_seconds is not None:
            self._silence_until = now + request.silence_seconds
        self._apply_error(request, now)
        if request.late_delay is not None:
            self._late_delay = request.late_delay
        if request.response_delay is not None:
            self._response_delay = request.response_delay
        if request.receipt_mode is not None:
            until = (
                None if request.receipt_mode_seconds is None else now + request.receipt_mode_seconds
            )
            self._receipt = _ReceiptFault(request.receipt_mode, until)

    def _posted_error(self, now: float) -> _ErrorFault | None:
        if self._error is not None and _active(self._error.until, now):
            return self._error
        return None

    def _apply_error(self, request: FaultRequest, now: float) -> None:
        given = (request.error_status, request.error_share, request.error_seconds)
        if all(value is None for value in given):
            return
        current = self._posted_error(now)
        if request.error_status is not None:
            status, share, until = request.error_status, 1.0, None
        else:
            assert current is not None  # checked by apply() before changing anything
            status, share, until = current.status, current.share, current.until
        if request.error_share is not None:
            share = request.error_share
        if request.error_seconds is not None:
            until = now + request.error_seconds
        self._error = _ErrorFault(status, share, until)
        self._error_debt = 0.0

    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        rule = self._error_rule()
        error = None
        if rule is not None:
            error = {
                "status": rule.status,
                "share": rule.share,
                "seconds": _remaining(rule.until, now),
            }
        receipt_remaining = None
        if self._receipt is not None and _active(self._receipt.until, now):
            receipt_remaining = _remaining(self._receipt.until, now)
        return {
            "silence_seconds": self.silence_remaining(),
            "error": error,
            "receipt_mode": self.receipt_mode(),
            "receipt_mode_seconds": receipt_remaining,
            "late_delay": self.late_delay,
            "response_delay": self.response_delay,
        }

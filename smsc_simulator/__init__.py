"""SMPP 3.4 SMSC simulator for development and tests (see SmscSimulator)."""

from .config import OUTCOMES, Outcome, SimulatorConfig
from .faults import FaultRequest
from .messages import SubmittedMessage
from .server import SmscSimulator

__all__ = [
    "OUTCOMES",
    "FaultRequest",
    "Outcome",
    "SimulatorConfig",
    "SmscSimulator",
    "SubmittedMessage",
]

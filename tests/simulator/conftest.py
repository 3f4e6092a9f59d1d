"""Fixtures for the simulator's fault and control tests: an in-process simulator with its
control API on a free port, ESMEs speaking raw SMPP over TCP, and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from smsc_simulator import SimulatorConfig, SmscSimulator

from .esme import control, esmes

FIRST_ID = 0x1A3F0


@pytest.fixture
async def smsc() -> AsyncIterator[SmscSimulator]:
    simulator = SmscSimulator(
        SimulatorConfig(
            receipt_delay=0.05,
            first_message_id=FIRST_ID,
            control_port=0,
            receipt_ack_timeout=0.5,
            receipt_retry_delay=0.05,
        )
    )
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def esme(smsc: SmscSimulator) -> AsyncIterator[Callable[..., Any]]:
    async with esmes(smsc.port) as connect:
        yield connect


@pytest.fixture
async def api(smsc: SmscSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with control(smsc) as client:
        yield client

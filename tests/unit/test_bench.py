"""The benchmark's SMSC latency option and its count of submit_sm at the SMSC."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from bench.e2e import parse_args
from bench.measure import Watcher, smsc_lines
from bench.stack_run import simulator_args
from smsc_simulator import SimulatorConfig, SmscSimulator
from smsc_simulator.__main__ import config_from_args
from smsc_simulator.__main__ import parse_args as simulator_parse_args
from tests.simulator.esme import Esme


def test_smsc_latency_reaches_the_simulator_as_its_response_delay() -> None:
    args = parse_args(["--batch", "1000", "--messages", "5000", "--smsc-latency", "50"])

    assert (args.smsc_latency, args.window, args.binds) == (50, 10, 1)
    passed = simulator_args(args.receipt_delay, args.smsc_latency)
    config = config_from_args(simulator_parse_args(["--port", "0", *passed]))
    assert config.response_delay == pytest.approx(0.05)
    assert config.receipt_delay == pytest.approx(args.receipt_delay)


def test_no_latency_unless_asked() -> None:
    args = parse_args([])

    assert args.smsc_latency == 0
    passed = simulator_args(args.receipt_delay, args.smsc_latency)
    assert config_from_args(simulator_parse_args(passed)).response_delay == 0


@pytest.mark.parametrize("argv", [["--smsc-latency", "-5"], ["--binds", "0"]])
def test_bad_values_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_smsc_lines_give_the_rate_overall_and_on_the_backlog() -> None:
    # 201 submits 5 ms apart (200/s); intake answered its last request at t = 0.5.
    arrivals = [1000.0 + n * 0.005 for n in range(201)]

    overall, backlog = smsc_lines(arrivals, load_done=1000.5)

    assert overall.startswith("submit_sm/s at SMSC    200.0")
    assert "201 submit_sm" in overall
    assert backlog.split()[:3] == ["after", "intake", "200.0"]
    assert "101 submit_sm after the last intake answer" in backlog
    assert smsc_lines(arrivals[:1], load_done=0) == []


async def test_watcher_reads_the_submits_the_simulator_received() -> None:
    sim = SmscSimulator(SimulatorConfig(control_port=0, response_delay=0.01))
    await sim.start()
    esme = await Esme.connect(sim.port)
    try:
        stack = SimpleNamespace(smsc_control_url=f"http://127.0.0.1:{sim.control_port}")
        watcher = Watcher(stack=cast(Any, stack))
        assert await watcher.smsc_submits() == 0
        for _ in range(3):
            await esme.submit(rd=0)
        await esme.read_many(3)

        assert await watcher.smsc_submits() == 3
        arrivals = await watcher.smsc_arrivals(since=1)
        assert len(arrivals) == 2
        assert arrivals == sorted(arrivals)
    finally:
        esme.close()
        await sim.stop()


async def test_no_smsc_count_against_a_real_smsc() -> None:
    watcher = Watcher(stack=cast(Any, SimpleNamespace(smsc_control_url=None)))

    assert await watcher.smsc_submits() is None
    assert await watcher.smsc_arrivals(0) == []

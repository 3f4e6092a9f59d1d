"""Message ids are never reissued, not even by a restarted simulator (make dev restarts it
while the platform still holds ids from the previous run)."""

from __future__ import annotations

from smsc_simulator import SimulatorConfig, SmscSimulator

from .esme import Esme


async def _issue_ids(count: int, message_id_format: str = "hex") -> list[int]:
    sim = SmscSimulator(SimulatorConfig(message_id_format=message_id_format))  # type: ignore[arg-type]
    await sim.start()
    try:
        client = await Esme.connect(sim.port)
        for _ in range(count):
            await client.submit(rd=0)
        responses = await client.read_many(count)
        client.close()
    finally:
        await sim.stop()
    base = 10 if message_id_format == "decimal" else 16
    return [int(r.message_id, base) for r in responses]


async def test_restarted_simulator_issues_only_new_ids() -> None:
    first_run = await _issue_ids(50)
    second_run = await _issue_ids(50)
    third_run = await _issue_ids(5, "decimal")
    assert len(set(first_run)) == 50
    # Each run starts above everything the previous one issued.
    assert max(first_run) < min(second_run)
    assert max(second_run) < min(third_run)

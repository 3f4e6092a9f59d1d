"""dispatch's SMPP session against the SMSC simulator, over TCP."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from smpplib.command import Command

from dispatch_service.smpp.session import BindFailed, SessionClosed, SmppSession
from dispatch_service.smpp.submission import submit_sm_fields
from smsc_simulator import SimulatorConfig, SmscSimulator

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Part:
    def __init__(self, text: str, index: int = 1, segments: int = 1, encoding: str = "gsm7"):
        self.to_number, self.sender = "+447700900123", "SMSGW"
        self.text, self.part_index, self.segments, self.encoding = text, index, segments, encoding
        self.concat_reference = 42


@pytest.fixture
async def simulator() -> AsyncIterator[SmscSimulator]:
    sim = SmscSimulator(SimulatorConfig(receipt_delay=0.05, first_message_id=0x1A3F0))
    await sim.start()
    yield sim
    await sim.stop()


async def _open(sim: SmscSimulator, received: list[Command], window: int = 10) -> SmppSession:
    async def on_deliver(session: SmppSession, pdu: Command) -> None:
        received.append(pdu)
        session.respond("deliver_sm_resp", pdu.sequence)

    session = await SmppSession.open(
        "127.0.0.1", sim.port, "smsgw", "secret", window, on_deliver, enquire_link_seconds=0.2
    )
    return session


async def test_window_keeps_many_submits_in_flight_and_receipts_come_back(
    simulator: SmscSimulator,
) -> None:
    received: list[Command] = []
    session = await _open(simulator, received, window=10)
    futures = [await session.start_submit(**submit_sm_fields(Part(f"hi {i}"))) for i in range(100)]
    responses = await asyncio.wait_for(asyncio.gather(*futures), 10)
    async with asyncio.timeout(10):
        while len(received) < 100:
            await asyncio.sleep(0.02)
    await session.close()

    ids = {r.message_id.decode() for r in responses}
    assert len(ids) == 100
    assert {r.receipted_message_id.decode() for r in received} == ids
    assert [m.text for m in simulator.submitted[:2]] == ["hi 0", "hi 1"]


async def test_multipart_ucs2_carries_udh_and_data_coding_8(simulator: SmscSimulator) -> None:
    session = await _open(simulator, [])
    part = Part("Привет", index=2, segments=3, encoding="ucs2")
    response = await (await session.start_submit(**submit_sm_fields(part)))
    await session.close()

    submitted = simulator.submitted[-1]
    assert response.status == 0
    assert submitted.data_coding == 8
    assert submitted.esm_class & 0x40
    assert submitted.udh == bytes([5, 0, 3, 42, 3, 2])
    assert submitted.text == "Привет"
    assert submitted.destination_addr == "447700900123"


async def test_dropped_connection_fails_outstanding_submits(simulator: SmscSimulator) -> None:
    simulator.config.receipt_delay = 5
    session = await _open(simulator, [])
    await simulator.drop_connections()
    async with asyncio.timeout(5):
        await session.closed.wait()
    with pytest.raises(SessionClosed):
        await session.start_submit(**submit_sm_fields(Part("too late")))


async def test_wrong_password_is_refused(simulator: SmscSimulator) -> None:
    async def ignore(_: SmppSession, __: Command) -> None:
        return None

    with pytest.raises(BindFailed):
        await SmppSession.open("127.0.0.1", simulator.port, "smsgw", "wrong", 10, ignore)

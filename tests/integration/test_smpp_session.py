"""dispatch's SMPP session over TCP, against the SMSC simulator and, for faults the simulator
doesn't stage, a scripted fake SMSC."""

import asyncio
import struct
from collections.abc import AsyncIterator

import pytest
from smpplib import consts
from smpplib.command import Command

from dispatch_service.smpp.session import (
    BindFailed,
    ResponseTimeout,
    SessionClosed,
    SmppSession,
    UnreadableResponse,
)
from dispatch_service.smpp.submission import submit_sm_fields
from smsc_simulator import SimulatorConfig, SmscSimulator
from tests.integration.fake_smsc import FakeSmsc, Link

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Part:
    def __init__(self, text: str, index: int = 1, segments: int = 1, encoding: str = "gsm7"):
        self.to_number, self.sender = "+447700900123", "SMSGW"
        self.text, self.part_index, self.segments, self.encoding = text, index, segments, encoding
        self.validity_period: int | None = None
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


async def _open_fake(smsc: FakeSmsc, window: int = 1, max_timeouts: int = 3) -> SmppSession:
    async def ignore(_: SmppSession, __: Command) -> None:
        return None

    return await SmppSession.open(
        "127.0.0.1",
        smsc.port,
        "smsgw",
        "secret",
        window,
        ignore,
        enquire_link_seconds=30,
        response_timeout=0.3,
        max_timeouts_in_a_row=max_timeouts,
    )


async def test_an_unanswered_submit_times_out_and_frees_its_window_slot() -> None:
    class IgnoresTheFirst(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            if len(self.submits) > 1:
                self.accept(link, pdu)

    async with IgnoresTheFirst() as smsc:
        session = await _open_fake(smsc, window=1)
        first = await session.start_submit(**submit_sm_fields(Part("lost")))
        with pytest.raises(ResponseTimeout):
            await asyncio.wait_for(first, 5)
        # The only window slot is free again: the next submit goes out and is answered.
        second = await asyncio.wait_for(session.start_submit(**submit_sm_fields(Part("ok"))), 5)
        response = await asyncio.wait_for(second, 5)
        await session.close()

    assert response.status == 0
    assert len(smsc.submits) == 2


async def test_unanswered_submits_in_a_row_drop_the_session() -> None:
    class Silent(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            return None

    async with Silent() as smsc:
        session = await _open_fake(smsc, window=5, max_timeouts=2)
        futures = [await session.start_submit(**submit_sm_fields(Part("x"))) for _ in range(2)]
        async with asyncio.timeout(5):
            await session.closed.wait()
        results = await asyncio.gather(*futures, return_exceptions=True)
        with pytest.raises(SessionClosed):
            await session.start_submit(**submit_sm_fields(Part("too late")))
        await session.close()

    assert all(isinstance(result, ResponseTimeout) for result in results)


async def test_a_generic_nack_answers_its_request() -> None:
    class Nacks(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            link.respond("generic_nack", 123_456, status=consts.SMPP_ESME_RINVCMDLEN)  # stray
            link.respond("generic_nack", pdu.sequence, status=consts.SMPP_ESME_RSYSERR)

    async with Nacks() as smsc:
        session = await _open_fake(smsc)
        future = await session.start_submit(**submit_sm_fields(Part("nacked")))
        response = await asyncio.wait_for(future, 5)
        alive = not session.closed.is_set()
        await session.close()

    assert (response.command, response.status) == ("generic_nack", consts.SMPP_ESME_RSYSERR)
    assert alive


async def test_malformed_pdus_are_nacked_and_lost_framing_closes_the_session() -> None:
    class AnswersLaterSubmits(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            if len(self.submits) > 1:
                self.accept(link, pdu)

    async with AnswersLaterSubmits() as smsc:
        session = await _open_fake(smsc)
        link = await smsc.link(1)
        link.send_raw(struct.pack(">LLLL", 16, 0x00000999, 0, 77))  # no such command
        link.send_raw(struct.pack(">LLLL", 18, 0x00000005, 0, 78) + b"\x00\x01")  # cut short
        # A response we can't read resolves its request as failed, without a nack.
        pending = await session.start_submit(**submit_sm_fields(Part("unreadable")))
        async with asyncio.timeout(5):
            while not smsc.submits:
                await asyncio.sleep(0.01)
        sequence = smsc.submits[0][1].sequence
        # submit_sm_resp: an empty message_id, then three bytes of a broken TLV.
        link.send_raw(struct.pack(">LLLL", 20, 0x80000004, 0, sequence) + b"\x00\x01\x02\x03")
        with pytest.raises(UnreadableResponse):
            await asyncio.wait_for(pending, 5)
        answered = await session.start_submit(**submit_sm_fields(Part("still bound")))
        response = await asyncio.wait_for(answered, 5)

        link.send_raw(struct.pack(">L", 8) + b"\x00" * 4)  # shorter than a header
        async with asyncio.timeout(5):
            await session.closed.wait()
        await session.close()

    nacks = [(p.sequence, p.status) for p in link.received if p.command == "generic_nack"]
    assert nacks == [(77, consts.SMPP_ESME_RINVCMDID), (78, consts.SMPP_ESME_RINVCMDLEN)]
    assert response.status == 0

"""Drives the simulator with smpplib's own synchronous client: an independent SMPP codec."""

from __future__ import annotations

import asyncio
import re
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from smpplib import consts, smpp
from smpplib.client import Client
from smpplib.command import Command
from smpplib.exceptions import ConnectionError as SmppConnectionError
from smpplib.exceptions import PDUError

from smsc_simulator import SimulatorConfig, SmscSimulator

TIMEOUT = 5.0  # socket timeout of every client read; no wait below is unbounded
FIRST_ID = 0x1A3F0
Connect = Callable[..., Awaitable[Client]]


@pytest.fixture
async def sim() -> AsyncIterator[SmscSimulator]:
    simulator = SmscSimulator(SimulatorConfig(receipt_delay=0.05, first_message_id=FIRST_ID))
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def connect(sim: SmscSimulator) -> AsyncIterator[Connect]:
    """Factory: a connected smpplib client, bound unless mode=None."""
    made: list[Client] = []

    async def _connect(mode: str | None = "transceiver", password: str = "secret") -> Client:
        client = Client("127.0.0.1", sim.port, timeout=TIMEOUT, allow_unknown_opt_params=True)
        made.append(client)
        await asyncio.to_thread(client.connect)
        if mode is not None:
            bind = getattr(client, f"bind_{mode}")
            await asyncio.to_thread(bind, system_id="smsgw", password=password)
        return client

    yield _connect
    for client in made:
        client.disconnect()


def send(client: Client, name: str, sequence: int | None = None, **fields: Any) -> Command:
    pdu = smpp.make_pdu(name, client=client, **fields)
    if sequence is not None:
        pdu.sequence = sequence  # make_pdu ignores sequence= once the client has a counter
    client.send_pdu(pdu)
    return pdu


def submit(client: Client, dest: str = "447700900001", text: bytes = b"hi", rd: int = 1) -> Command:
    fields: dict[str, Any] = {"source_addr": "SMSGW", "destination_addr": dest}
    return send(client, "submit_sm", short_message=text, registered_delivery=rd, **fields)


async def read(client: Client, count: int = 1) -> list[Command]:
    def read_all() -> list[Command]:
        return [client.read_pdu() for _ in range(count)]

    return await asyncio.wait_for(asyncio.to_thread(read_all), TIMEOUT * 2)


def receipt_text(pdu: Command) -> str:
    assert (pdu.command, pdu.esm_class) == ("deliver_sm", 0x04)
    text: str = pdu.short_message.decode("latin-1")
    return text


async def test_bind_and_enquire_link(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    assert sim.bound_sessions == 1
    link = send(client, "enquire_link")
    [resp] = await read(client)
    assert (resp.command, resp.sequence, resp.status) == ("enquire_link_resp", link.sequence, 0)


async def test_bad_password_is_refused_and_closed(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect(mode=None)
    with pytest.raises(PDUError) as refused:
        await asyncio.to_thread(client.bind_transceiver, system_id="smsgw", password="wrong")
    assert refused.value.args[1] == consts.SMPP_ESME_RBINDFAIL
    assert sim.bound_sessions == 0
    with pytest.raises(SmppConnectionError):
        await read(client)


async def test_commands_before_bind_are_refused(connect: Connect) -> None:
    client = await connect(mode=None)
    client.state = consts.SMPP_CLIENT_STATE_BOUND_TRX  # skip smpplib's own client-side check
    link = send(client, "enquire_link")
    [resp] = await read(client)
    assert (resp.command, resp.sequence) == ("enquire_link_resp", link.sequence)
    assert resp.status == consts.SMPP_ESME_RINVBNDSTS


async def test_submit_gets_id_and_delivered_receipt(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    body = b"Hello from the platform, long text"
    req = submit(client, text=body)
    resp, receipt = await read(client, 2)
    assert (resp.command, resp.sequence, resp.status) == ("submit_sm_resp", req.sequence, 0)
    message_id = resp.message_id.decode()
    assert message_id == f"{FIRST_ID:08X}"
    text = receipt_text(receipt)
    assert re.fullmatch(
        rf"id:{message_id} sub:001 dlvrd:001 submit date:\d{{10}} done date:\d{{10}} "
        rf"stat:DELIVRD err:000 text:{body[:20].decode()}",
        text,
    )
    assert receipt.receipted_message_id.decode() == message_id
    assert receipt.message_state == consts.SMPP_MESSAGE_STATE_DELIVERED
    assert (receipt.source_addr, receipt.destination_addr) == (b"447700900001", b"SMSGW")
    [sent] = sim.submitted
    assert (sent.message_id, sent.short_message, sent.registered_delivery) == (message_id, body, 1)
    # The ack must be tolerated: the session still answers afterwards.
    send(client, "deliver_sm_resp", sequence=receipt.sequence)
    link = send(client, "enquire_link")
    [pong] = await read(client)
    assert (pong.command, pong.sequence) == ("enquire_link_resp", link.sequence)
    assert sim.receipts_sent == 1


async def test_outcome_by_destination(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    sim.config.outcome_by_destination["447700900002"] = "undelivered"
    submit(client, dest="+447700900002")
    _, failed = await read(client, 2)
    assert " stat:UNDELIV err:" in receipt_text(failed)
    assert " dlvrd:000 " in receipt_text(failed)
    assert " err:000 " not in receipt_text(failed)
    assert failed.message_state == consts.SMPP_MESSAGE_STATE_UNDELIVERABLE
    submit(client, dest="447700900003")
    _, delivered = await read(client, 2)
    assert " stat:DELIVRD " in receipt_text(delivered)


async def test_receipt_before_response(sim: SmscSimulator, connect: Connect) -> None:
    sim.config.receipt_before_response = True
    client = await connect()
    submit(client)
    first, second = await read(client, 2)
    assert (first.command, second.command) == ("deliver_sm", "submit_sm_resp")
    assert first.receipted_message_id == second.message_id


async def test_decimal_receipt_id(sim: SmscSimulator, connect: Connect) -> None:
    sim.config.receipt_id_format = "decimal"
    client = await connect()
    submit(client)
    resp, receipt = await read(client, 2)
    assert resp.message_id.decode() == f"{FIRST_ID:08X}"
    assert receipt_text(receipt).startswith(f"id:{FIRST_ID} sub:001 ")
    assert receipt.receipted_message_id == resp.message_id  # the TLV keeps the resp's form


async def test_pipelined_submits_answered_in_order(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    requests = await asyncio.to_thread(lambda: [submit(client, rd=0) for _ in range(200)])
    responses = await read(client, len(requests))
    assert [r.sequence for r in responses] == [r.sequence for r in requests]
    ids = [int(r.message_id, 16) for r in responses]
    assert ids == list(range(FIRST_ID, FIRST_ID + len(requests)))
    assert len(sim.submitted) == len(requests)
    assert sim.receipts_sent == 0


async def test_receipt_waits_for_a_receiver(sim: SmscSimulator, connect: Connect) -> None:
    sender = await connect(mode="transmitter")
    submit(sender)
    [resp] = await read(sender)
    await asyncio.sleep(0.1)  # past receipt_delay with nobody able to take the deliver_sm
    assert sim.receipts_sent == 0
    receiver = await connect(mode="receiver")
    [receipt] = await read(receiver)
    assert receipt.receipted_message_id == resp.message_id


@pytest.mark.parametrize(
    ("text", "coding", "encoding"), [("hi there", 0, "latin-1"), ("Привет", 8, "utf-16-be")]
)
async def test_inject_mo(
    sim: SmscSimulator, connect: Connect, text: str, coding: int, encoding: str
) -> None:
    client = await connect()
    await sim.inject_mo("447700900009", "SMSGW", text)
    [mo] = await read(client)
    assert (mo.command, mo.esm_class, mo.data_coding) == ("deliver_sm", 0, coding)
    assert (mo.source_addr, mo.destination_addr) == (b"447700900009", b"SMSGW")
    assert mo.short_message.decode(encoding) == text


async def test_drop_connections_closes_client_socket(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    await sim.drop_connections()
    assert sim.bound_sessions == 0
    with pytest.raises(SmppConnectionError):
        await read(client)


async def test_unknown_command_gets_generic_nack(connect: Connect) -> None:
    client = await connect()
    client._socket.sendall(struct.pack(">LLLL", 16, 0x00000099, 0, 7))
    [nack] = await read(client)
    assert (nack.command, nack.sequence, nack.status) == ("generic_nack", 7, 3)


async def test_unbind_closes(sim: SmscSimulator, connect: Connect) -> None:
    client = await connect()
    resp = await asyncio.to_thread(client.unbind)
    assert (resp.command, resp.status) == ("unbind_resp", 0)
    with pytest.raises(SmppConnectionError):
        await read(client)

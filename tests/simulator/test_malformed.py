"""Malformed input over raw TCP never takes the simulator, or any other session, down.

Each case sends one bad PDU (or bad bytes) and checks the answer SMPP 3.4 prescribes; then a
bystander session bound before the attack and a brand-new ESME still bind and submit.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from smpplib import consts

from smsc_simulator import SmscSimulator
from smsc_simulator.codec import SequenceCounter, encode

from .esme import Esme

Connect = Callable[..., Any]
SEQ = 4242


def _pdu(command_id: int, body: bytes, length: int | None = None) -> bytes:
    size = 16 + len(body) if length is None else length
    return struct.pack(">LLLL", size, command_id, 0, SEQ) + body


def _submit_body(**fields: Any) -> bytes:
    fields = {"source_addr": "SMSGW", "destination_addr": "447700900001", **fields}
    return encode("submit_sm", SequenceCounter(), short_message=b"hello", **fields)[16:]


GOOD_SUBMIT = _submit_body()


@dataclass(frozen=True)
class Case:
    frame: bytes
    nack: int | None  # the generic_nack status expected, None when no answer is possible
    closes: bool = False  # the byte stream cannot be re-synchronised, so the session ends
    bound: bool = True
    nack_sequence: int = SEQ


CASES = {
    "unknown command id": Case(_pdu(0x00000099, b""), consts.SMPP_ESME_RINVCMDID),
    "submit_sm without a body": Case(_pdu(0x04, b""), consts.SMPP_ESME_RINVCMDLEN),
    "submit_sm cut inside its fields": Case(
        _pdu(0x04, GOOD_SUBMIT[:12]), consts.SMPP_ESME_RINVCMDLEN
    ),
    "unterminated source_addr": Case(
        _pdu(0x04, b"\x00\x01\x01" + b"4" * 40 + b"\x00" * 30), consts.SMPP_ESME_RINVCMDLEN
    ),
    "sm_length beyond the body": Case(
        _pdu(0x04, GOOD_SUBMIT[:-6] + b"\xc8" + GOOD_SUBMIT[-5:]), consts.SMPP_ESME_RINVCMDLEN
    ),
    "truncated TLV": Case(
        _pdu(0x04, GOOD_SUBMIT + b"\x04\x24\x00\x09ab"), consts.SMPP_ESME_RINVCMDLEN
    ),
    "TLV value smpplib cannot decode": Case(
        _pdu(0x04, GOOD_SUBMIT + b"\x02\x0c\x00\x01\x05"), consts.SMPP_ESME_RSYSERR
    ),
    "enquire_link with a body": Case(_pdu(0x15, b"junk"), consts.SMPP_ESME_RINVCMDLEN),
    "bind with an unterminated system_id": Case(
        _pdu(0x09, b"s" * 40), consts.SMPP_ESME_RINVCMDLEN, bound=False
    ),
    "response with a garbage body": Case(_pdu(0x80000005, b"\xff" * 7), None),
    "command_length below the header": Case(
        struct.pack(">LL", 8, 0x15), consts.SMPP_ESME_RINVCMDLEN, closes=True, nack_sequence=0
    ),
    "oversized command_length": Case(
        _pdu(0x04, GOOD_SUBMIT, length=50_000_000),
        consts.SMPP_ESME_RINVCMDLEN,
        closes=True,
        nack_sequence=0,
    ),
    "garbage bytes": Case(
        b"GET / HTTP/1.1\r\nHost: smsc\r\n\r\n",
        consts.SMPP_ESME_RINVCMDLEN,
        closes=True,
        nack_sequence=0,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_malformed_pdu_is_answered_and_harms_no_one(
    smsc: SmscSimulator, esme: Connect, case: Case
) -> None:
    bystander: Esme = await esme()
    attacker: Esme = await esme(mode="transceiver" if case.bound else None)

    await attacker.send_raw(case.frame)

    if case.nack is not None:
        nack = await attacker.read()
        assert (nack.command, nack.sequence, nack.status) == (
            "generic_nack",
            case.nack_sequence,
            case.nack,
        )
    if case.closes:
        assert await attacker.closed_by_peer()
    elif case.bound:
        await attacker.roundtrip()
    else:
        await attacker.send("enquire_link")
        refused = await attacker.read()
        assert refused.status == consts.SMPP_ESME_RINVBNDSTS  # the bad bind bound nothing
    await _still_serves(bystander)
    await _still_serves(await esme())
    assert len(smsc.submitted) == 2  # the bad PDU was never taken for a submit


async def test_truncated_pdu_then_hang_up(smsc: SmscSimulator, esme: Connect) -> None:
    attacker: Esme = await esme()
    await attacker.send_raw(_pdu(0x04, GOOD_SUBMIT)[:20])
    attacker.writer.write_eof()
    assert await attacker.closed_by_peer()
    await _still_serves(await esme())
    assert len(smsc.journal.submits) == 1  # only the good one; the cut one never counted


async def _still_serves(client: Esme) -> None:
    await client.roundtrip()
    await client.submit(rd=0)
    resp = await client.read()
    assert (resp.command, resp.status) == ("submit_sm_resp", 0)

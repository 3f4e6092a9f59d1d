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
    # The generic_nack statuses expected, in order: (sequence, command_status).
    nacks: tuple[tuple[int, int], ...]
    closes: bool = False  # the byte stream cannot be re-synchronised, so the session ends
    bound: bool = True


def _nack(status: int, sequence: int = SEQ) -> tuple[tuple[int, int], ...]:
    return ((sequence, status),)


INVCMDLEN = consts.SMPP_ESME_RINVCMDLEN
ENQUIRE_LINK = struct.pack(">LLLL", 16, 0x15, 0, SEQ + 1)

CASES = {
    "unknown command id": Case(_pdu(0x00000099, b""), _nack(consts.SMPP_ESME_RINVCMDID)),
    "submit_sm without a body": Case(_pdu(0x04, b""), _nack(INVCMDLEN)),
    "submit_sm cut inside its fields": Case(_pdu(0x04, GOOD_SUBMIT[:12]), _nack(INVCMDLEN)),
    "unterminated source_addr": Case(
        _pdu(0x04, b"\x00\x01\x01" + b"4" * 40 + b"\x00" * 30), _nack(INVCMDLEN)
    ),
    "sm_length beyond the body": Case(
        _pdu(0x04, GOOD_SUBMIT[:-6] + b"\xc8" + GOOD_SUBMIT[-5:]), _nack(INVCMDLEN)
    ),
    "truncated TLV": Case(_pdu(0x04, GOOD_SUBMIT + b"\x04\x24\x00\x09ab"), _nack(INVCMDLEN)),
    "TLV value smpplib cannot decode": Case(
        _pdu(0x04, GOOD_SUBMIT + b"\x02\x0c\x00\x01\x05"), _nack(consts.SMPP_ESME_RSYSERR)
    ),
    "enquire_link with a body": Case(_pdu(0x15, b"junk"), _nack(INVCMDLEN)),
    "bind with an unterminated system_id": Case(
        _pdu(0x09, b"s" * 40), _nack(INVCMDLEN), bound=False
    ),
    "response with a garbage body": Case(_pdu(0x80000005, b"\xff" * 7), ()),
    # Too long: the next PDU is swallowed into this one's body, which then fails its layout.
    "command_length longer than the PDU": Case(
        _pdu(0x04, GOOD_SUBMIT, length=16 + len(GOOD_SUBMIT) + 16) + ENQUIRE_LINK,
        _nack(INVCMDLEN),
    ),
    # Too short: the rest of the body is then read as a PDU with an absurd command_length.
    "command_length shorter than the PDU": Case(
        _pdu(0x04, GOOD_SUBMIT, length=26), _nack(INVCMDLEN) + _nack(INVCMDLEN, 0), closes=True
    ),
    "command_length below the header": Case(
        struct.pack(">LL", 8, 0x15), _nack(INVCMDLEN, 0), closes=True
    ),
    "oversized command_length": Case(
        _pdu(0x04, GOOD_SUBMIT, length=50_000_000), _nack(INVCMDLEN, 0), closes=True
    ),
    "garbage bytes": Case(
        b"GET / HTTP/1.1\r\nHost: smsc\r\n\r\n", _nack(INVCMDLEN, 0), closes=True
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_malformed_pdu_is_answered_and_harms_no_one(
    smsc: SmscSimulator, esme: Connect, case: Case
) -> None:
    bystander: Esme = await esme()
    attacker: Esme = await esme(mode="transceiver" if case.bound else None)

    await attacker.send_raw(case.frame)

    answers = await attacker.read_many(len(case.nacks))
    assert [(a.command, a.sequence, a.status) for a in answers] == [
        ("generic_nack", sequence, status) for sequence, status in case.nacks
    ]
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

"""The HTTP control API: what the fault-injection suite reads and posts while the platform runs."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from smpplib import consts

from smsc_simulator import SmscSimulator

from .conftest import FIRST_ID
from .esme import TIMEOUT, Esme

Connect = Callable[..., Any]


async def test_submits_lists_every_submit_with_what_was_answered(
    api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await client.send(
        "submit_sm",
        source_addr="SMSGW",
        destination_addr="447700900001",
        short_message=b"\x05\x00\x03\x2a\x02\x01hello",
        esm_class=0x40,
        data_coding=8,
        registered_delivery=0,
    )
    [resp] = await client.read_many(1)
    await api.post("/faults", json={"error_status": 0x58})
    await client.submit(dest="447700900002", rd=0)
    [throttled] = await client.read_many(1)
    assert throttled.status == consts.SMPP_ESME_RTHROTTLED

    submits = (await api.get("/submits")).json()

    assert [s["index"] for s in submits] == [0, 1]
    first, second = submits
    assert first["message_id"] == resp.message_id.decode() == f"{FIRST_ID:08X}"
    assert (first["status"], first["esm_class"], first["data_coding"]) == (0, 0x40, 8)
    assert first["short_message_hex"] == "0500032a020168656c6c6f"
    assert (first["source_addr"], first["destination_addr"]) == ("SMSGW", "447700900001")
    assert first["system_id"] == "smsgw"
    assert isinstance(first["received_at"], float)
    assert (second["message_id"], second["status"]) == (None, 0x58)
    assert second["session"] == first["session"]
    assert [s["index"] for s in (await api.get("/submits", params={"since": 1})).json()] == [1]
    assert (await api.get("/submits", params={"since": 2})).json() == []


async def test_stats_count_submits_responses_receipts_and_sessions(
    api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await client.submit()
    resp, receipt = await client.read_many(2)
    await client.ack(receipt)
    await api.post("/faults", json={"error_status": 8, "error_seconds": 60})
    await client.submit()
    await client.read_many(1)
    await client.roundtrip()  # the ack has been processed once the enquire_link is answered

    stats = (await api.get("/stats")).json()

    assert stats["submits"] == 2
    assert stats["responses_by_status"] == {"0": 1, "8": 1}
    assert (stats["receipts_sent"], stats["receipts_acked"], stats["receipts_pending"]) == (1, 1, 0)
    assert (stats["sessions_bound"], stats["connections_dropped"]) == (1, 0)
    await api.post("/faults", json={"drop_connections": True})
    stats = (await api.get("/stats")).json()
    assert (stats["sessions_bound"], stats["connections_dropped"]) == (0, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"silence_seconds": -1},
        {"error_share": 0.5},  # no error_status to apply it to
        {"silence_seconds": 30, "error_seconds": 5},  # all or nothing: no silence either
        {"error_status": 88, "error_share": 2},
        {"receipt_mode": "sometimes"},
        {"receipt_mode_seconds": 5},
        {"unknown_fault": True},
    ],
)
async def test_invalid_fault_is_refused_and_changes_nothing(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    before = (await api.get("/faults")).json()
    refused = await api.post("/faults", json=body)
    assert refused.status_code == 422
    assert "error" in refused.json()
    assert (await api.get("/faults")).json() == before


async def test_fault_state_is_returned_and_cleared(api: httpx.AsyncClient) -> None:
    state = (
        await api.post(
            "/faults",
            json={
                "silence_seconds": 30,
                "error_status": "0x14",
                "error_share": 0.5,
                "receipt_mode": "late",
                "late_delay": 7,
            },
        )  # fmt: skip
    ).json()
    assert 0 < state["silence_seconds"] <= 30
    assert state["error"] == {"status": 0x14, "share": 0.5, "seconds": None}
    assert (state["receipt_mode"], state["late_delay"]) == ("late", 7)
    cleared = (await api.post("/faults", json={"clear": True})).json()
    assert cleared["silence_seconds"] == 0
    assert (cleared["error"], cleared["receipt_mode"]) == (None, "normal")


async def test_a_posted_mo_reaches_the_bound_esme_as_a_deliver_sm(
    api: httpx.AsyncClient, esme: Connect
) -> None:
    mo = {"source": "447700900123", "destination": "447700900999", "text": "STOP"}
    assert (await api.post("/mo", json=mo)).status_code == 409  # nobody bound yet
    client: Esme = await esme()

    posted = await api.post("/mo", json=mo)

    assert posted.status_code == 200, posted.text
    deliver = await client.read()
    assert deliver.command == "deliver_sm"
    assert (deliver.source_addr, deliver.destination_addr) == (b"447700900123", b"447700900999")
    assert deliver.short_message == b"STOP"
    assert (await api.post("/mo", json={"source": "1"})).status_code == 422


@pytest.mark.parametrize("concatenation", ["udh8", "udh16", "sar"])
async def test_a_long_mo_arrives_in_concatenated_parts(
    api: httpx.AsyncClient, esme: Connect, concatenation: str
) -> None:
    client: Esme = await esme()
    text = "".join(f"{i:03d}-" for i in range(75))  # 300 characters: three parts
    mo = {
        "source": "447700900123",
        "destination": "447700900999",
        "text": text,
        "concatenation": concatenation,
        "reference": 300,
        "skip_parts": [2],
    }

    posted = await api.post("/mo", json=mo)

    assert posted.json() == {"sent": True, "parts": 3}
    parts = [await client.read() for _ in range(2)]  # part 2 was "lost"
    bodies = []
    for number, deliver in zip((1, 3), parts, strict=True):
        if concatenation == "sar":
            assert (deliver.sar_msg_ref_num, deliver.sar_total_segments) == (300, 3)
            assert deliver.sar_segment_seqnum == number
            bodies.append(deliver.short_message)
            continue
        assert deliver.esm_class & 0x40  # UDHI
        udh = deliver.short_message[: deliver.short_message[0] + 1]
        if concatenation == "udh8":  # reference 300 does not fit a byte: it wraps
            assert udh == bytes([5, 0x00, 3, 300 & 0xFF, 3, number])
        else:
            assert udh == bytes([6, 0x08, 4, 300 >> 8, 300 & 0xFF, 3, number])
        bodies.append(deliver.short_message[len(udh) :])
    size = len(bodies[0])
    assert bodies == [text[:size].encode(), text[2 * size :].encode()]


async def test_unknown_path_and_method(api: httpx.AsyncClient) -> None:
    assert (await api.get("/nothing")).status_code == 404
    assert (await api.delete("/faults")).status_code == 405
    assert (await api.get("/submits", params={"since": "x"})).status_code == 400


async def test_cli_prints_control_address_and_starts_throttling() -> None:
    """The start-up flags a benchmark uses: half the submits throttled from the first one."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "smsc_simulator", "--port", "0", "--control-port", "0",
        "--error-status", "0x58", "--error-share", "0.5", "--first-message-id", "1",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(TIMEOUT * 2):
            listening = (await process.stdout.readline()).decode()
            controlling = (await process.stdout.readline()).decode()
        assert listening.startswith("SMSC simulator listening on 127.0.0.1:")
        assert controlling.startswith("SMSC simulator control on 127.0.0.1:")
        smpp_port = int(listening.rsplit(":", 1)[1])
        control_port = int(controlling.rsplit(":", 1)[1])
        client = await Esme.connect(smpp_port)
        for _ in range(4):
            await client.submit(rd=0)
        statuses = [pdu.status for pdu in await client.read_many(4)]
        client.close()
        assert sorted(statuses) == [0, 0, 0x58, 0x58]
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            stats = (await http.get(f"http://127.0.0.1:{control_port}/stats")).json()
        assert stats["responses_by_status"] == {"0": 2, "88": 2}
    finally:
        process.terminate()
        await process.wait()


async def test_no_control_port_unless_asked() -> None:
    sim = SmscSimulator()
    await sim.start()
    try:
        assert sim.control_port is None
    finally:
        await sim.stop()

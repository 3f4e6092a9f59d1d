"""Each fault mode over TCP, switched through the control API as the fault suite does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from smpplib import consts

from smsc_simulator import SmscSimulator

from .esme import TIMEOUT, Esme, wait_for

Connect = Callable[..., Any]


async def test_drop_connections_cuts_every_session_without_unbind(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    first: Esme = await esme()
    second: Esme = await esme(mode="transmitter")
    await api.post("/faults", json={"drop_connections": True})
    # No unbind arrives first: the very next thing each ESME sees is the end of the stream.
    assert await first.closed_by_peer()
    assert await second.closed_by_peer()
    again: Esme = await esme()
    await again.submit()
    resp = await again.read()
    assert (resp.command, resp.status) == ("submit_sm_resp", 0)


async def test_silence_answers_nothing_and_never_answers_later(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    smsc.config.receipt_delay = 0.3
    client: Esme = await esme()
    await client.submit(dest="447700900001")
    before = await client.read()
    assert before.command == "submit_sm_resp"
    await api.post("/faults", json={"silence_seconds": 60})
    await client.submit(dest="447700900002")
    await client.send("enquire_link")
    late_binder = await Esme.connect(smsc.port, mode=None)
    await late_binder.send("bind_transceiver", system_id="smsgw", password="secret")
    # The first submit's receipt falls due inside the silence and is held, not sent.
    await wait_for(lambda: smsc.receipts.held == 1 and len(smsc.journal.submits) == 2)

    submits = (await api.get("/submits")).json()
    assert [(s["status"], s["message_id"]) for s in submits][1] == (None, None)
    assert submits[1]["destination_addr"] == "447700900002"
    assert (await api.get("/stats")).json()["receipts_sent"] == 0

    await api.post("/faults", json={"silence_seconds": 0})
    receipt = await client.read()
    assert (receipt.command, receipt.receipted_message_id) == ("deliver_sm", before.message_id)
    await client.ack(receipt)
    # Next in the stream is the fresh enquire_link's answer: the silenced submit_sm and
    # enquire_link were dropped for good, and the silenced bind left that session unbound.
    await client.roundtrip()
    await late_binder.send("enquire_link")
    refused = await late_binder.read()
    assert (refused.command, refused.status) == ("enquire_link_resp", consts.SMPP_ESME_RINVBNDSTS)
    late_binder.close()
    assert (await api.get("/submits", params={"since": 1})).json()[0]["status"] is None


async def test_error_status_for_every_submit_then_back_to_normal(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await api.post("/faults", json={"error_status": 0x58, "error_share": 1.0, "error_seconds": 60})
    for _ in range(3):
        await client.submit()
    throttled = await client.read_many(3)
    assert {(r.command, r.status) for r in throttled} == {("submit_sm_resp", 0x58)}
    assert all(not r.message_id for r in throttled)
    await client.roundtrip()  # no receipt was queued for any of them
    assert smsc.receipts.pending == 0

    assert (await api.post("/faults", json={"error_status": 0})).json()["error"] is None
    await client.submit()
    resp, receipt = await client.read_many(2)
    assert (resp.status, receipt.receipted_message_id) == (0, resp.message_id)


async def test_error_window_ends_by_itself(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    state = (await api.post("/faults", json={"error_status": 8, "error_seconds": 0.2})).json()
    assert state["error"]["status"] == 8
    await client.submit(rd=0)
    assert (await client.read()).status == consts.SMPP_ESME_RSYSERR

    async with asyncio.timeout(TIMEOUT):
        while (await api.get("/faults")).json()["error"] is not None:
            await asyncio.sleep(0.02)
    await client.submit(rd=0)
    assert (await client.read()).status == 0


async def test_error_share_hits_exactly_that_share(api: httpx.AsyncClient, esme: Connect) -> None:
    client: Esme = await esme()
    await api.post("/faults", json={"error_status": 0x14, "error_share": 0.3})
    for _ in range(10):
        await client.submit(rd=0)
    statuses = [r.status for r in await client.read_many(10)]
    assert statuses.count(consts.SMPP_ESME_RMSGQFUL) == 3
    assert statuses.count(0) == 7


async def test_receipt_before_response(api: httpx.AsyncClient, esme: Connect) -> None:
    client: Esme = await esme()
    await api.post("/faults", json={"receipt_mode": "before_response"})
    await client.submit()
    first, second = await client.read_many(2)
    assert (first.command, second.command) == ("deliver_sm", "submit_sm_resp")
    assert first.receipted_message_id == second.message_id


async def test_late_receipt_arrives_after_later_normal_ones(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await api.post("/faults", json={"receipt_mode": "late", "late_delay": 1.0})
    await client.submit(dest="447700900001")
    late_resp = await client.read()
    await api.post("/faults", json={"receipt_mode": "normal"})
    await client.submit(dest="447700900002")
    normal_resp, normal_receipt = await client.read_many(2)
    assert normal_receipt.receipted_message_id == normal_resp.message_id
    await client.ack(normal_receipt)
    late_receipt = await client.read()
    assert (late_receipt.command, late_receipt.receipted_message_id) == (
        "deliver_sm",
        late_resp.message_id,
    )


async def test_receipt_twice_delivers_the_same_receipt_two_times(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await api.post("/faults", json={"receipt_mode": "twice", "receipt_mode_seconds": 60})
    await client.submit()
    resp, one, two = await client.read_many(3)
    assert (one.command, two.command) == ("deliver_sm", "deliver_sm")
    assert one.receipted_message_id == two.receipted_message_id == resp.message_id
    assert one.short_message == two.short_message
    assert one.sequence != two.sequence
    await client.ack(one)
    await client.ack(two)
    await wait_for(lambda: smsc.receipts.pending == 0)
    [record] = (await api.get("/submits")).json()
    assert record["receipts_sent"] == 2


async def test_receipt_mode_applies_to_submits_made_in_its_window(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await api.post("/faults", json={"receipt_mode": "twice", "receipt_mode_seconds": 0.2})
    await client.submit()
    assert [p.command for p in await client.read_many(3)] == [
        "submit_sm_resp",
        "deliver_sm",
        "deliver_sm",
    ]
    async with asyncio.timeout(TIMEOUT):
        while (await api.get("/faults")).json()["receipt_mode"] != "normal":
            await asyncio.sleep(0.02)
    await client.submit()
    resp, receipt = await client.read_many(2)
    assert receipt.receipted_message_id == resp.message_id
    await client.ack(receipt)
    await client.roundtrip()  # and no second copy before it

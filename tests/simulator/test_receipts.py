"""Receipts are at-least-once: resent until a deliver_sm_resp with status 0 answers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from smsc_simulator import SmscSimulator

from .esme import Esme, wait_for

Connect = Callable[..., Any]


async def test_unanswered_receipt_is_delivered_again_until_acknowledged(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    client: Esme = await esme()
    await client.submit()
    resp, first = await client.read_many(2)
    again = await client.read()  # not answered within receipt_ack_timeout
    assert again.command == "deliver_sm"
    assert again.short_message == first.short_message
    assert again.receipted_message_id == resp.message_id
    assert again.sequence != first.sequence
    await client.ack(again)
    await wait_for(lambda: smsc.receipts.pending == 0)
    stats = (await api.get("/stats")).json()
    assert (stats["receipts_sent"], stats["receipts_redelivered"], stats["receipts_acked"]) == (
        2,
        1,
        1,
    )


async def test_receipt_answered_with_an_error_is_sent_again(
    smsc: SmscSimulator, esme: Connect
) -> None:
    client: Esme = await esme()
    await client.submit()
    resp, receipt = await client.read_many(2)
    await client.ack(receipt, status=0x58)  # the ESME is throttling us
    retried = await client.read()
    assert (retried.command, retried.receipted_message_id) == ("deliver_sm", resp.message_id)
    await client.ack(retried)
    await wait_for(lambda: smsc.receipts.pending == 0)
    assert smsc.journal.receipts_nacked == 1


async def test_receipt_in_flight_on_a_dropped_connection_reaches_the_next_bind(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    smsc.config.receipt_ack_timeout = 60  # only the drop can trigger the redelivery here
    client: Esme = await esme()
    await client.submit()
    resp, receipt = await client.read_many(2)
    await api.post("/faults", json={"drop_connections": True})  # before the ESME answered
    await wait_for(lambda: smsc.receipts.held == 1)
    reconnected: Esme = await esme()
    redelivered = await reconnected.read()
    assert redelivered.short_message == receipt.short_message
    assert redelivered.receipted_message_id == resp.message_id
    await reconnected.ack(redelivered)
    await wait_for(lambda: smsc.receipts.pending == 0)


async def test_receipt_of_a_gone_session_goes_to_another_bound_receiver(
    smsc: SmscSimulator, esme: Connect
) -> None:
    smsc.config.receipt_delay = 0.3
    receiver: Esme = await esme(mode="receiver")
    sender: Esme = await esme()
    await sender.submit()
    resp = await sender.read()
    sender.close()  # gone before its receipt is due
    receipt = await receiver.read()
    assert (receipt.command, receipt.receipted_message_id) == ("deliver_sm", resp.message_id)
    await receiver.ack(receipt)
    await wait_for(lambda: smsc.receipts.pending == 0)


async def test_receipts_in_flight_per_session_are_capped_by_the_window(
    smsc: SmscSimulator, esme: Connect
) -> None:
    smsc.config.receipt_window, smsc.config.receipt_ack_timeout = 2, 60
    client: Esme = await esme()
    for _ in range(5):
        await client.submit()
    pdus = await client.read_many(7)
    receipts = [p for p in pdus if p.command == "deliver_sm"]
    assert len(receipts) == 2
    await wait_for(lambda: smsc.receipts.held == 3)
    await client.roundtrip()  # nothing more was written while the window was full

    await client.ack(receipts[0])
    [third] = await client.read_many(1)  # one slot freed, one more receipt
    assert third.command == "deliver_sm"
    await client.roundtrip()
    await client.ack(receipts[1])
    await client.ack(third)
    rest = await client.read_many(2)
    for receipt in rest:
        await client.ack(receipt)
    await wait_for(lambda: smsc.receipts.pending == 0)
    ids = {p.message_id for p in pdus if p.command == "submit_sm_resp"}
    assert {r.receipted_message_id for r in [*receipts, third, *rest]} == ids
    assert len(ids) == 5

"""Response latency: each submit_sm answered `response_delay` after it arrived, on its own.

A real SMSC with 50 ms latency answers ten pipelined submits about 50 ms after each arrived,
so one bind with window 10 does ~200/s; the benchmark needs the simulator to behave so.
Nothing here asserts speed: only what is answered, with what, and in which order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from smpplib import consts

from smsc_simulator import SimulatorConfig, SmscSimulator
from smsc_simulator.__main__ import config_from_args, parse_args

from .conftest import FIRST_ID
from .esme import Esme, wait_for

Connect = Callable[..., Any]
# Long enough that an enquire_link sent after a submit is answered first on a busy machine.
SLOW = 1.0


async def test_submits_in_a_window_are_each_answered_with_their_own_id(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    smsc.config.response_delay = SLOW
    client: Esme = await esme()
    sent = [await client.submit(dest=f"44770090{n:04d}", rd=0) for n in range(10)]
    linked = await client.send("enquire_link")

    first, *answers = await client.read_many(11)

    # All ten were read and none answered yet when the enquire_link was: they wait together.
    assert (first.command, first.sequence) == ("enquire_link_resp", linked)
    assert [(a.command, a.status) for a in answers] == [("submit_sm_resp", 0)] * 10
    assert sorted(a.sequence for a in answers) == sorted(sent)
    ids = {a.sequence: a.message_id.decode() for a in answers}
    assert set(ids.values()) == {f"{FIRST_ID + n:08X}" for n in range(10)}
    journal = (await api.get("/submits")).json()
    assert [s["status"] for s in journal] == [0] * 10
    # Each answer carries the id the journal records for the submit with that sequence.
    by_destination = {s["destination_addr"]: s["message_id"] for s in journal}
    for n, sequence in enumerate(sent):
        assert ids[sequence] == by_destination[f"44770090{n:04d}"]


async def test_other_pdus_are_answered_while_a_submit_waits(
    smsc: SmscSimulator, esme: Connect
) -> None:
    smsc.config.response_delay = SLOW
    client: Esme = await esme()
    submitted = await client.submit(rd=0)
    linked = await client.send("enquire_link")

    first, second = await client.read_many(2)

    assert (first.command, first.sequence) == ("enquire_link_resp", linked)
    assert (second.command, second.sequence, second.status) == ("submit_sm_resp", submitted, 0)


async def test_receipt_follows_the_delayed_answer(smsc: SmscSimulator, esme: Connect) -> None:
    smsc.config.response_delay = SLOW
    client: Esme = await esme()
    sequence = await client.submit(rd=1)
    await client.send("enquire_link")

    linked, resp, receipt = await client.read_many(3)

    assert linked.command == "enquire_link_resp"
    assert (resp.command, resp.sequence) == ("submit_sm_resp", sequence)
    assert receipt.command == "deliver_sm"
    assert receipt.receipted_message_id == resp.message_id


async def test_unbind_is_answered_after_the_submits_before_it(
    smsc: SmscSimulator, esme: Connect
) -> None:
    smsc.config.response_delay = SLOW
    client: Esme = await esme()
    sent = [await client.submit(rd=0) for _ in range(3)]
    await client.send("enquire_link")
    unbind = await client.send("unbind")

    linked, *answers, unbound = await client.read_many(5)

    assert linked.command == "enquire_link_resp"
    assert [(a.command, a.status) for a in answers] == [("submit_sm_resp", 0)] * 3
    assert sorted(a.sequence for a in answers) == sorted(sent)
    assert (unbound.command, unbound.sequence) == ("unbind_resp", unbind)
    assert await client.closed_by_peer()


async def test_error_answers_wait_too(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    smsc.config.response_delay = SLOW
    await api.post("/faults", json={"error_status": consts.SMPP_ESME_RTHROTTLED})
    client: Esme = await esme()
    submitted = await client.submit(rd=0)
    linked = await client.send("enquire_link")

    first, second = await client.read_many(2)

    assert (first.command, first.sequence) == ("enquire_link_resp", linked)
    assert (second.sequence, second.status) == (submitted, consts.SMPP_ESME_RTHROTTLED)


async def test_a_dropped_connection_leaves_waiting_submits_unanswered(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    smsc.config.response_delay = 0.2
    client: Esme = await esme()
    await client.submit(rd=0)
    await client.roundtrip()  # the submit has been read
    client.close()
    await wait_for(lambda: smsc.journal.connections_dropped == 1)

    await asyncio.sleep(0.4)  # twice the delay: when its answer would have gone out
    stats = (await api.get("/stats")).json()

    assert (stats["submits"], stats["submits_unanswered"], stats["submits_accepted"]) == (1, 1, 0)


async def test_response_delay_is_set_read_and_cleared_through_the_control_api(
    smsc: SmscSimulator, api: httpx.AsyncClient, esme: Connect
) -> None:
    assert (await api.get("/faults")).json()["response_delay"] == 0

    state = (await api.post("/faults", json={"response_delay": SLOW})).json()

    assert state["response_delay"] == SLOW
    assert (await api.get("/faults")).json()["response_delay"] == SLOW
    client: Esme = await esme()
    submitted = await client.submit(rd=0)
    linked = await client.send("enquire_link")
    first, second = await client.read_many(2)
    assert (first.sequence, second.sequence) == (linked, submitted)
    cleared = (await api.post("/faults", json={"clear": True})).json()
    assert cleared["response_delay"] == 0
    refused = await api.post("/faults", json={"response_delay": -1})
    assert refused.status_code == 422


async def test_clear_returns_to_the_start_up_delay() -> None:
    sim = SmscSimulator(SimulatorConfig(response_delay=0.05, control_port=0))
    await sim.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sim.control_port}") as api:
            assert (await api.post("/faults", json={"response_delay": 2})).status_code == 200
            cleared = (await api.post("/faults", json={"clear": True})).json()
        assert cleared["response_delay"] == 0.05
    finally:
        await sim.stop()


def test_cli_sets_the_response_delay() -> None:
    assert config_from_args(parse_args(["--response-delay", "0.05"])).response_delay == 0.05
    assert config_from_args(parse_args([])).response_delay == 0


def test_a_negative_delay_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--response-delay", "-0.1"])
    assert "must not be negative" in capsys.readouterr().err
    with pytest.raises(ValueError, match="response_delay"):
        SimulatorConfig(response_delay=-1)

"""Several binds from one connector, over real TCP with dispatch's database and the broker:
parts spread over the binds, a bind the SMSC slows down pauses while the others carry on,
a bind that drops mid-window loses nothing, each bind keeps its contracted TPS, and
receipts are taken on whichever bind they arrive."""

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from uuid import uuid4

import pytest
from smpplib import consts
from smpplib.command import Command

from dispatch_service.smpp.connector import Connector
from shared.events import AnyEvent, DeliverSmReceived
from smsc_simulator import SimulatorConfig, SmscSimulator
from tests.integration.connector_support import (
    connector_settings,
    queue_messages,
    running_connector,
    settled,
    wait_for_event,
    wait_for_parts,
)
from tests.integration.fake_smsc import FakeSmsc, Link
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


def numbers(count: int) -> list[str]:
    """Destinations no other test uses, so events on the shared broker can't be confused."""
    prefix = uuid4().int % 10**5
    return [f"+4478{prefix:05d}{i:03d}" for i in range(count)]


class SlowAnswers(FakeSmsc):
    """Answers each submit a little later, as a real SMSC does, so windows fill up."""

    delay = 0.02

    async def on_submit(self, link: Link, pdu: Command) -> None:
        asyncio.get_running_loop().call_later(self.delay, self.answer, link, pdu)

    def answer(self, link: Link, pdu: Command) -> None:
        if not link.writer.is_closing():
            self.accept(link, pdu)


class CountingAccepts(SlowAnswers):
    def __init__(self) -> None:
        super().__init__()
        self.accepted: Counter[str] = Counter()  # destination -> submit_sm_resp ESME_ROK
        self.ids: dict[str, str] = {}

    def accept(self, link: Link, pdu: Command) -> str:
        message_id = super().accept(link, pdu)
        to = pdu.destination_addr.decode()
        self.accepted[to] += 1
        self.ids[to] = message_id
        return message_id


def receipt_of(receipt_id: str) -> Callable[[AnyEvent], bool]:
    return lambda e: isinstance(e, DeliverSmReceived) and e.receipted_message_id == receipt_id


async def wait_bound(connector: Connector, binds: int) -> None:
    async with asyncio.timeout(10):
        while sum(bind.is_bound for bind in connector.binds) < binds:
            await asyncio.sleep(0.02)


async def test_parts_spread_over_every_bind_and_each_is_accepted_once(
    databases: Databases, broker: str
) -> None:
    async with CountingAccepts() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_binds=3, smpp_window=2
        )
        async with running_connector(settings) as (connector, runtime, _):
            await wait_bound(connector, 3)
            destinations = numbers(60)
            ids = await queue_messages(runtime, destinations)
            parts = await wait_for_parts(runtime, ids, lambda p: p.status == "sent")

    assert len(smsc.links) == 3  # three binds, none dropped
    per_link = Counter(number for number, _ in smsc.submits)
    assert set(per_link) == {1, 2, 3}
    assert all(count >= 5 for count in per_link.values())  # each carried a real share
    for message_id, to in zip(ids, destinations, strict=True):
        number = to.lstrip("+")
        assert smsc.accepted[number] == 1
        assert parts[message_id].smsc_message_id == smsc.ids[number]
    assert sum(bind.sent for bind in connector.binds) == 60


async def test_a_throttled_bind_backs_off_while_the_others_carry_on_and_recovers(
    databases: Databases, broker: str
) -> None:
    class FirstLinkThrottles(CountingAccepts):
        throttling = True
        refused_on_first: list[str]

        def __init__(self) -> None:
            super().__init__()
            self.refused_on_first = []

        def answer(self, link: Link, pdu: Command) -> None:
            if link.writer.is_closing():
                return
            to = pdu.destination_addr.decode()
            if to == bad_address[1:]:
                self.refuse(link, pdu, consts.SMPP_ESME_RINVDSTADR)
            elif link.number == 1 and self.throttling:
                # Both ways an SMSC says "slower": over the rate, or its queue is full.
                status = (consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL)[
                    len(self.refused_on_first) % 2
                ]
                self.refused_on_first.append(to)
                self.refuse(link, pdu, status)
            else:
                self.accept(link, pdu)

    destinations = numbers(61)
    bad_address = destinations[-1]
    async with FirstLinkThrottles() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_binds=3, smpp_window=3
        )
        async with running_connector(settings) as (connector, runtime, _):
            await wait_bound(connector, 3)
            ids = await queue_messages(runtime, destinations)
            parts = await wait_for_parts(runtime, ids, settled)
            first = connector.binds[0]
            throttled_then, pause_then = first.throttled, first.throttle.pause

            smsc.throttling = False  # the SMSC is happy again: bind 1 takes parts again
            more = await queue_messages(runtime, numbers(60))
            await wait_for_parts(runtime, more, lambda p: p.status == "sent")
            async with asyncio.timeout(30):
                while first.sent == 0:
                    more += await queue_messages(runtime, numbers(10))
                    await asyncio.sleep(0.2)

    assert smsc.refused_on_first  # bind 1 was throttled...
    assert throttled_then == len(smsc.refused_on_first)
    assert pause_then > 0  # ...and paused
    # ...rather than hammering the SMSC with the whole load: the other binds carried it.
    assert len(smsc.refused_on_first) < 30
    statuses = Counter(parts[i].status for i in ids)
    assert statuses == {"sent": 60, "failed": 1}  # throttling never fails a message
    assert parts[ids[-1]].error_code == "smpp_0x0b"  # a permanent refusal does, with its code
    for to in destinations[:-1]:
        assert smsc.accepted[to.lstrip("+")] == 1  # every part accepted exactly once
    for to in set(smsc.refused_on_first):
        # A refused part went again (on whichever bind could take it) and got through.
        assert parts[ids[destinations.index("+" + to)]].attempts >= 2
    assert first.sent > 0  # recovered


async def test_a_bind_dropped_mid_window_loses_nothing(databases: Databases, broker: str) -> None:
    class DropsFirstLink(CountingAccepts):
        def answer(self, link: Link, pdu: Command) -> None:
            if link.number != 1:
                super().answer(link, pdu)
            elif sum(p.command == "submit_sm" for p in link.received) >= 4:
                # A whole window unanswered, then the connection is gone.
                link.writer.transport.abort()

    async with DropsFirstLink() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_binds=2, smpp_window=4
        )
        async with running_connector(settings) as (connector, runtime, _):
            await wait_bound(connector, 2)
            destinations = numbers(40)
            ids = await queue_messages(runtime, destinations)
            parts = await wait_for_parts(runtime, ids, lambda p: p.status == "sent")

    dropped = smsc.destinations(link=1)
    assert len(dropped) == 4  # the dropped bind had a full window out
    assert len(smsc.links) >= 3  # bind 1 bound again
    for message_id, to in zip(ids, destinations, strict=True):
        number = to.lstrip("+")
        assert smsc.accepted[number] == 1
        assert parts[message_id].resent_unanswered == dropped.count(number)
    assert all(bind.in_flight == 0 for bind in connector.binds)


async def test_each_bind_keeps_its_contracted_tps(databases: Databases, broker: str) -> None:
    tps = 20
    async with CountingAccepts() as smsc:
        smsc.delay = 0
        settings = connector_settings(
            await databases.create("dispatch"),
            broker,
            smsc.port,
            smpp_binds=2,
            smpp_window=10,
            smpp_tps=tps,
        )
        async with running_connector(settings) as (connector, runtime, _):
            await wait_bound(connector, 2)
            ids = await queue_messages(runtime, numbers(100))
            await wait_for_parts(runtime, ids, lambda p: p.status == "sent")

    # A rate, counted where the operator counts it: submits arriving at the SMSC in any
    # one-second window of each bind (the tolerance is for the event loop's jitter).
    for link in (1, 2):
        times = [t for number, t in smsc.submit_times if number == link]
        assert len(times) >= 20
        busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
        assert busiest <= tps + 2, f"bind {link}: {busiest} submit_sm in one second"
    assert len(smsc.submits) == 100


async def test_receipts_are_taken_on_whichever_bind_they_arrive(
    databases: Databases, broker: str
) -> None:
    receipt_ids = {2: f"b2_{uuid4().hex[:8]}", 3: f"b3_{uuid4().hex[:8]}"}

    class ReceiptsOnLaterBinds(FakeSmsc):
        sent: dict[int, Command]

        def __init__(self) -> None:
            super().__init__()
            self.sent = {}

        async def on_bound(self, link: Link) -> None:
            if link.number not in receipt_ids:
                return
            text = (
                f"id:{receipt_ids[link.number]} sub:001 dlvrd:001 submit date:2612010000 "
                "done date:2612010001 stat:DELIVRD err:000 text:"
            ).encode()
            # deliver_sm carries the text in short_message, data_sm in the TLV.
            command, field = ("deliver_sm", "short_message")
            if link.number == 3:
                command, field = ("data_sm", "message_payload")
            self.sent[link.number] = link.request(
                command,
                source_addr="447700900003",
                destination_addr="SMSGW",
                esm_class=0x04,
                receipted_message_id=receipt_ids[link.number],
                message_state=2,
                **{field: text},
            )

    async with ReceiptsOnLaterBinds() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_binds=3
        )
        async with running_connector(settings):
            acks = {
                2: await (await smsc.link(2)).wait_for("deliver_sm_resp"),
                3: await (await smsc.link(3)).wait_for("data_sm_resp"),
            }
            for number, receipt_id in receipt_ids.items():
                event = await wait_for_event(
                    broker, DeliverSmReceived.topic, receipt_of(receipt_id)
                )
                assert isinstance(event, DeliverSmReceived)
                assert event.smsc == settings.smpp_link_name
                assert acks[number].sequence == smsc.sent[number].sequence


async def test_simulator_refusing_a_share_with_throttled_every_part_is_sent_once(
    databases: Databases, broker: str
) -> None:
    simulator = SmscSimulator(
        SimulatorConfig(
            receipt_delay=0.05, error_status=consts.SMPP_ESME_RTHROTTLED, error_share=0.3
        )
    )
    await simulator.start()
    try:
        settings = connector_settings(
            await databases.create("dispatch"), broker, simulator.port, smpp_binds=3
        )
        async with running_connector(settings) as (connector, runtime, _):
            await wait_bound(connector, 3)
            destinations = numbers(40)
            ids = await queue_messages(runtime, destinations)
            parts = await wait_for_parts(runtime, ids, lambda p: p.status == "sent", 60)
    finally:
        await simulator.stop()

    accepted = Counter(m.destination_addr for m in simulator.submitted)
    assert {to.lstrip("+") for to in destinations} == set(accepted)
    assert set(accepted.values()) == {1}  # accepted exactly once each
    ids_by_to = {m.destination_addr: m.message_id for m in simulator.submitted}
    for message_id, to in zip(ids, destinations, strict=True):
        assert parts[message_id].smsc_message_id == ids_by_to[to.lstrip("+")]
    sessions = {record.session for record in simulator.journal.submits}
    assert len(sessions) >= 3  # all three binds sent
    refused = sum(1 for r in simulator.journal.submits if r.status == consts.SMPP_ESME_RTHROTTLED)
    assert refused > 0
    assert sum(bind.throttled for bind in connector.binds) == refused


async def test_each_binds_figures_are_logged_at_the_set_interval(
    databases: Databases, broker: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dispatch_service.smpp.connector")
    async with CountingAccepts() as smsc:
        settings = connector_settings(
            await databases.create("dispatch"),
            broker,
            smsc.port,
            smpp_binds=2,
            smpp_report_seconds=0.2,
        )
        async with running_connector(settings) as (connector, runtime, _):
            await wait_bound(connector, 2)
            ids = await queue_messages(runtime, numbers(20))
            await wait_for_parts(runtime, ids, lambda p: p.status == "sent")
            sent_by_bind = [bind.sent for bind in connector.binds]
            async with asyncio.timeout(10):
                while not all(
                    f"bind {n}: bound, in flight 0, sent {sent}, throttled 0" in caplog.text
                    for n, sent in enumerate(sent_by_bind, start=1)
                ):
                    await asyncio.sleep(0.1)

    assert sum(sent_by_bind) == 20
    reports = [r.getMessage() for r in caplog.records]
    reports = [line for line in reports if "submit_sm/s (limit unlimited)" in line]
    assert any("bind 1:" in line for line in reports)
    assert any("bind 2:" in line for line in reports)

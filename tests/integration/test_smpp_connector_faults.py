"""The SMPP connector against SMSCs that misbehave, over real TCP, with dispatch's database
and the broker: whatever the SMSC does, parts end sent or failed for a reason, never stuck,
and every submit attempt is on record."""

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from smpplib import consts
from smpplib.command import Command
from sqlalchemy import text

from dispatch_service.config import DispatchSettings
from dispatch_service.messages.schemas import PartResponse
from dispatch_service.smpp import link_lock, worker
from dispatch_service.smpp.connector import Connector
from shared.events import DeliverSmReceived, MessagePartSubmitted
from tests.integration.connector_support import (
    connector_settings,
    parts_of,
    queue_messages,
    running_connector,
    settled,
    wait_for_event,
    wait_for_parts,
)
from tests.integration.fake_smsc import FakeSmsc, Link
from tests.support.databases import Databases, migrate
from tests.support.postgres_server import postgres_bin_dir, temporary_postgres

pytestmark = pytest.mark.asyncio(loop_scope="session")


def numbers(count: int) -> list[str]:
    """Destinations no other test uses, so events on the shared broker can't be confused."""
    prefix = uuid4().int % 10**5
    return [f"+4479{prefix:05d}{i:03d}" for i in range(count)]


def receipt(message_id: str) -> bytes:
    return (
        f"id:{message_id} sub:001 dlvrd:001 submit date:2612010000 done date:2612010001 "
        "stat:DELIVRD err:000 text:"
    ).encode()


@contextlib.asynccontextmanager
async def fake(smsc: FakeSmsc) -> AsyncIterator[FakeSmsc]:
    async with smsc:
        yield smsc


async def test_a_receipt_right_after_bind_is_stored_and_acknowledged(
    databases: Databases, broker: str
) -> None:
    # An SMSC flushes receipts it held for us the moment we bind, before the connector has
    # even finished setting the session up.
    held_id = f"held_{uuid4().hex[:8]}"

    class EagerReceipts(FakeSmsc):
        sent: Command | None = None

        async def on_bound(self, link: Link) -> None:
            if link.number == 1:
                self.sent = link.request(
                    "deliver_sm",
                    source_addr="447700900001",
                    destination_addr="SMSGW",
                    esm_class=0x04,
                    short_message=receipt(held_id),
                    receipted_message_id=held_id,
                    message_state=2,
                )

    async with fake(EagerReceipts()) as smsc:
        settings = connector_settings(await databases.create("dispatch"), broker, smsc.port)
        async with running_connector(settings) as (_, runtime, _):
            ack = await (await smsc.link(1)).wait_for("deliver_sm_resp")
            event = await wait_for_event(
                broker,
                DeliverSmReceived.topic,
                lambda e: isinstance(e, DeliverSmReceived) and e.receipted_message_id == held_id,
            )
            ids = await queue_messages(runtime, numbers(2))
            await wait_for_parts(runtime, ids, lambda p: p.status == "sent")

    assert smsc.sent is not None
    assert ack.sequence == smsc.sent.sequence
    assert isinstance(event, DeliverSmReceived)
    assert event.text.startswith(f"id:{held_id} ")
    assert len(smsc.links) == 1  # the bind was never dropped over it


async def test_an_smsc_that_stops_answering_is_rebound_and_every_attempt_is_on_record(
    databases: Databases, broker: str
) -> None:
    class SilentFirstLink(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            if link.number > 1:
                self.accept(link, pdu)

    async with fake(SilentFirstLink()) as smsc:
        settings = connector_settings(
            await databases.create("dispatch"),
            broker,
            smsc.port,
            smpp_window=2,
            smpp_response_timeout_seconds=0.5,
            smpp_max_timeouts_in_a_row=2,
        )
        async with running_connector(settings) as (_, runtime, _):
            destinations = numbers(4)
            ids = await queue_messages(runtime, destinations)
            parts = await wait_for_parts(runtime, ids, lambda p: p.status == "sent")

    assert len(smsc.links) >= 2
    unanswered = smsc.destinations(link=1)
    assert unanswered  # the silent link did get submits, and they all went again
    for message_id, to in zip(ids, destinations, strict=True):
        part, number = parts[message_id], to.lstrip("+")
        assert part.attempts == smsc.destinations().count(number)
        assert part.answered_attempts == 1
        assert part.resent_unanswered == unanswered.count(number)
        assert PartResponse.of(part).attempts == part.attempts


async def test_transient_refusals_are_retried_and_permanent_ones_fail_with_the_smsc_code(
    databases: Databases, broker: str
) -> None:
    throttled, queue_full, system_error, bad_address = numbers(4)
    first_answer = {
        throttled: consts.SMPP_ESME_RTHROTTLED,
        queue_full: consts.SMPP_ESME_RMSGQFUL,
        system_error: consts.SMPP_ESME_RSYSERR,
    }

    class Refusing(FakeSmsc):
        async def on_submit(self, link: Link, pdu: Command) -> None:
            to = "+" + pdu.destination_addr.decode()
            if to == bad_address:
                self.refuse(link, pdu, consts.SMPP_ESME_RINVDSTADR)
            elif self.destinations().count(to[1:]) == 1 and to in first_answer:
                self.refuse(link, pdu, first_answer[to])
            else:
                self.accept(link, pdu)

    async with fake(Refusing()) as smsc:
        settings = connector_settings(await databases.create("dispatch"), broker, smsc.port)
        async with running_connector(settings) as (_, runtime, _):
            ids = await queue_messages(runtime, [throttled, queue_full, system_error, bad_address])
            parts = await wait_for_parts(runtime, ids, settled)

    statuses = [(parts[i].status, parts[i].error_code, parts[i].attempts) for i in ids]
    assert statuses == [
        ("sent", None, 2),
        ("sent", None, 2),
        ("sent", None, 2),
        ("failed", "smpp_0x0b", 1),
    ]


async def test_a_generic_nack_sends_the_part_again(databases: Databases, broker: str) -> None:
    class Nacking(FakeSmsc):
        async def on_bound(self, link: Link) -> None:
            # A nack for nothing we sent: logged, nothing else.
            link.respond("generic_nack", 999_999, status=consts.SMPP_ESME_RINVCMDLEN)

        async def on_submit(self, link: Link, pdu: Command) -> None:
            if self.destinations().count(pdu.destination_addr.decode()) == 1:
                link.respond("generic_nack", pdu.sequence, status=consts.SMPP_ESME_RSYSERR)
            else:
                self.accept(link, pdu)

    async with fake(Nacking()) as smsc:
        settings = connector_settings(await databases.create("dispatch"), broker, smsc.port)
        async with running_connector(settings) as (_, runtime, _):
            ids = await queue_messages(runtime, numbers(3))
            parts = await wait_for_parts(runtime, ids, settled)

    assert {part.status for part in parts.values()} == {"sent"}
    # A nack is an answer: the SMSC took nothing, so the resend can't be a duplicate.
    assert {(p.attempts, p.resent_unanswered) for p in parts.values()} == {(2, 0)}
    assert len(smsc.links) == 1


async def test_data_sm_is_stored_like_deliver_sm_and_events_name_the_link(
    databases: Databases, broker: str
) -> None:
    receipt_id = f"dsm_{uuid4().hex[:8]}"

    class DataSmReceipts(FakeSmsc):
        sent: Command | None = None

        async def on_bound(self, link: Link) -> None:
            self.sent = link.request(
                "data_sm",
                source_addr="447700900002",
                destination_addr="SMSGW",
                esm_class=0x04,
                message_payload=receipt(receipt_id),
                receipted_message_id=receipt_id,
                message_state=2,
            )

    async with fake(DataSmReceipts()) as smsc:
        settings = connector_settings(
            await databases.create("dispatch"), broker, smsc.port, smpp_link_name="operator-a"
        )
        async with running_connector(settings) as (_, runtime, _):
            ack = await (await smsc.link(1)).wait_for("data_sm_resp")
            received = await wait_for_event(
                broker,
                DeliverSmReceived.topic,
                lambda e: isinstance(e, DeliverSmReceived) and e.receipted_message_id == receipt_id,
            )
            [message_id] = await queue_messages(runtime, numbers(1))
            submitted = await wait_for_event(
                broker,
                MessagePartSubmitted.topic,
                lambda e: isinstance(e, MessagePartSubmitted) and e.message_id == message_id,
            )

    assert smsc.sent is not None
    assert ack.sequence == smsc.sent.sequence
    assert isinstance(received, DeliverSmReceived)
    assert (received.command, received.smsc) == ("data_sm", "operator-a")
    assert received.text.startswith(f"id:{receipt_id} ")
    assert isinstance(submitted, MessagePartSubmitted)
    assert submitted.smsc == "operator-a"


async def test_mo_parts_carry_their_sar_tlvs_and_a_bad_udh_is_still_acknowledged(
    databases: Databases, broker: str
) -> None:
    source = f"4477{uuid4().int % 10**8:08d}"

    class LongMo(FakeSmsc):
        async def on_bound(self, link: Link) -> None:
            link.request(
                "deliver_sm",
                source_addr=source,
                destination_addr="447700900000",
                esm_class=0x00,
                short_message=b"part two",
                sar_msg_ref_num=0x1234,
                sar_total_segments=2,
                sar_segment_seqnum=2,
            )
            # A UDH claiming 40 octets of an 8-octet payload.
            link.request(
                "deliver_sm",
                source_addr=source,
                destination_addr="447700900000",
                esm_class=0x40,
                short_message=bytes([40, 0, 3, 1, 2, 1]) + b"hi",
            )

    async with fake(LongMo()) as smsc:
        settings = connector_settings(await databases.create("dispatch"), broker, smsc.port)
        async with running_connector(settings):
            link = await smsc.link(1)
            async with asyncio.timeout(10):
                while sum(p.command == "deliver_sm_resp" for p in link.received) < 2:
                    await asyncio.sleep(0.01)
            sar = await wait_for_event(
                broker,
                DeliverSmReceived.topic,
                lambda e: (
                    isinstance(e, DeliverSmReceived)
                    and e.source_addr == source
                    and e.esm_class == 0
                ),
            )
            bad = await wait_for_event(
                broker,
                DeliverSmReceived.topic,
                lambda e: (
                    isinstance(e, DeliverSmReceived)
                    and e.source_addr == source
                    and e.esm_class == 0x40
                ),
            )

    assert isinstance(sar, DeliverSmReceived)
    assert (sar.sar_msg_ref_num, sar.sar_total_segments, sar.sar_segment_seqnum) == (0x1234, 2, 2)
    assert sar.text == "part two"
    assert isinstance(bad, DeliverSmReceived)
    assert bad.short_message_hex == (bytes([40, 0, 3, 1, 2, 1]) + b"hi").hex()
    assert bad.sar_total_segments is None
    assert len(smsc.links) == 1


async def test_malformed_pdus_are_nacked_and_broken_framing_means_a_new_bind(
    databases: Databases, broker: str
) -> None:
    class Garbling(FakeSmsc):
        garbled = False

        async def on_bound(self, link: Link) -> None:
            if link.number == 1:
                # A command id SMPP 3.4 doesn't define, then a deliver_sm cut short.
                link.send_raw(struct.pack(">LLLL", 16, 0x00000999, 0, 4242))
                link.send_raw(struct.pack(">LLLL", 18, 0x00000005, 0, 4243) + b"\x00\x01")

        async def on_submit(self, link: Link, pdu: Command) -> None:
            if link.number == 1 and not self.garbled:
                self.garbled = True
                # A length no PDU has: the stream can't be framed any more.
                link.send_raw(struct.pack(">L", 0xFFFFFFF0) + b"junk")
            else:
                self.accept(link, pdu)

    async with fake(Garbling()) as smsc:
        settings = connector_settings(await databases.create("dispatch"), broker, smsc.port)
        async with running_connector(settings) as (_, runtime, task):
            ids = await queue_messages(runtime, numbers(6))
            parts = await wait_for_parts(runtime, ids, lambda p: p.status == "sent")
            assert not task.done()

    nacks = [(p.sequence, p.status) for p in smsc.links[0].received if p.command == "generic_nack"]
    assert nacks == [(4242, consts.SMPP_ESME_RINVCMDID), (4243, consts.SMPP_ESME_RINVCMDLEN)]
    assert len(smsc.links) >= 2
    assert all(part.smsc_message_id for part in parts.values())


async def test_only_one_connector_sends_on_a_link_and_the_next_takes_over(
    databases: Databases, broker: str
) -> None:
    async with fake(FakeSmsc()) as smsc:
        url = await databases.create("dispatch")
        settings = connector_settings(url, broker, smsc.port)
        async with contextlib.AsyncExitStack() as first_stack:
            first, runtime, _ = await first_stack.enter_async_context(running_connector(settings))
            async with asyncio.timeout(10):
                while not first.is_bound:
                    await asyncio.sleep(0.05)
            async with running_connector(settings) as (second, second_runtime, _):
                ids = await queue_messages(runtime, numbers(8))
                await wait_for_parts(runtime, ids, lambda p: p.status == "sent")
                assert (first.submitted, second.submitted) == (8, 0)
                assert not second.is_bound
                assert len(smsc.links) == 1

                await first_stack.aclose()  # the first connector goes away
                more = await queue_messages(second_runtime, numbers(3))
                await wait_for_parts(second_runtime, more, lambda p: p.status == "sent")
                assert second.submitted == 3
                assert len(smsc.links) == 2


@pytest.mark.skipif(postgres_bin_dir() is None, reason="needs PostgreSQL binaries")
async def test_the_connector_outlives_a_database_restart(broker: str) -> None:
    with temporary_postgres("smsgw-connector-pg-") as server:
        url = await asyncio.to_thread(server.create_database, "dispatch")
        await asyncio.to_thread(migrate, "dispatch", url)
        async with fake(FakeSmsc()) as smsc:
            settings = connector_settings(url, broker, smsc.port)
            async with running_connector(settings) as (connector, runtime, task):
                async with asyncio.timeout(10):
                    while not connector.is_bound:
                        await asyncio.sleep(0.05)
                await asyncio.to_thread(server.stop)
                await asyncio.sleep(3)  # every loop meets the outage
                await asyncio.to_thread(server.start)
                ids = await queue_messages(runtime, numbers(3))
                await wait_for_parts(runtime, ids, lambda p: p.status == "sent")
                assert not task.done()


class HoldingSmsc(FakeSmsc):
    """Keeps its submit_sm_resp until the test lets them go."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Link, Command]] = []

    async def on_submit(self, link: Link, pdu: Command) -> None:
        self.held.append((link, pdu))

    def answer_held(self) -> None:
        held, self.held = self.held, []
        for link, pdu in held:
            self.accept(link, pdu)


async def test_a_connector_whose_link_lock_another_takes_unbinds_until_it_is_free(
    databases: Databases, broker: str
) -> None:
    async with fake(FakeSmsc()) as smsc:
        url = await databases.create("dispatch")
        settings = connector_settings(url, broker, smsc.port)
        async with running_connector(settings) as (connector, runtime, _):
            async with asyncio.timeout(10):
                while not connector.is_bound:
                    await asyncio.sleep(0.05)
            key = {"class": link_lock._LOCK_CLASS, "key": link_lock.lock_key("default")}
            holders = text(
                "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                " WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = :class"
                " AND l.objid = (:key)::int4::oid AND d.datname = current_database()"
                " AND l.granted = :granted"
            )
            async with runtime.engine.connect() as rival, runtime.engine.connect() as admin:
                # A second connector queues up for the lock, so PostgreSQL hands it over the
                # moment the first one's lock session ends; then that session is ended.
                waiting = asyncio.create_task(
                    rival.execute(text("SELECT pg_advisory_lock(:class, :key)"), key)
                )
                async with asyncio.timeout(10):
                    while not (await admin.execute(holders, key | {"granted": False})).all():
                        await admin.rollback()
                        await asyncio.sleep(0.05)
                (holder,) = (await admin.execute(holders, key | {"granted": True})).one()
                await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
                await admin.commit()
                await waiting
                await rival.commit()
                async with asyncio.timeout(10):
                    while connector.is_bound:
                        await asyncio.sleep(0.05)
                ids = await queue_messages(runtime, numbers(3))
                await asyncio.sleep(link_lock.CHECK_SECONDS)
                assert smsc.submits == []
                # The rival goes (its connection stays pooled: let go of the lock itself).
                await rival.execute(text("SELECT pg_advisory_unlock_all()"))
                await rival.commit()
            # The connector takes the link back and sends.
            await wait_for_parts(runtime, ids, lambda p: p.status == "sent")
            assert len(smsc.links) == 2


@pytest.mark.skipif(postgres_bin_dir() is None, reason="needs PostgreSQL binaries")
@pytest.mark.parametrize("stop_mode", ["fast", "immediate"])  # a clean restart, a crash
async def test_a_database_restart_mid_window_sends_nothing_twice_and_keeps_the_bind(
    broker: str, stop_mode: str
) -> None:
    with temporary_postgres("smsgw-connector-pg-") as server:
        url = await asyncio.to_thread(server.create_database, "dispatch")
        await asyncio.to_thread(migrate, "dispatch", url)
        async with fake(HoldingSmsc()) as smsc:
            settings = connector_settings(url, broker, smsc.port, smpp_window=5)
            async with running_connector(settings) as (connector, runtime, task):
                destinations = numbers(8)
                ids = await queue_messages(runtime, destinations)
                async with asyncio.timeout(10):
                    while len(smsc.held) < 5:  # a full window waits for its answers
                        await asyncio.sleep(0.05)
                # The link lock's session goes with the server.
                await asyncio.to_thread(server.stop, stop_mode)
                # Long enough for even the periodic lock check to see it gone, and well
                # within the response timeout: then the answers owed arrive.
                await asyncio.sleep(link_lock.CHECK_SECONDS + 1)
                smsc.answer_held()
                await asyncio.to_thread(server.start)
                async with asyncio.timeout(30):
                    while True:  # the SMSC answers whatever comes from now on
                        smsc.answer_held()
                        parts = await parts_of(runtime, ids)
                        if all(part.status == "sent" for part in parts.values()):
                            break
                        await asyncio.sleep(0.05)
                assert not task.done()
                # Never unbound: one bind, and no unbind before the connector stops.
                assert len(smsc.links) == 1
                assert "unbind" not in [p.command for p in smsc.links[0].received]

    assert sorted(smsc.destinations()) == sorted(to[1:] for to in destinations)  # each once
    assert [p.resent_unanswered for p in parts.values()] == [0] * len(destinations)


@pytest.mark.skipif(postgres_bin_dir() is None, reason="needs PostgreSQL binaries")
async def test_a_database_away_longer_than_the_regain_bound_means_unbinding(
    broker: str,
) -> None:
    with temporary_postgres("smsgw-connector-pg-") as server:
        url = await asyncio.to_thread(server.create_database, "dispatch")
        await asyncio.to_thread(migrate, "dispatch", url)
        async with fake(FakeSmsc()) as smsc:
            settings = connector_settings(url, broker, smsc.port, smpp_lock_regain_seconds=0.5)
            async with running_connector(settings) as (connector, runtime, _):
                async with asyncio.timeout(10):
                    while not connector.is_bound:
                        await asyncio.sleep(0.05)
                await asyncio.to_thread(server.stop)
                async with asyncio.timeout(10):
                    while connector.is_bound:
                        await asyncio.sleep(0.05)
                assert "unbind" in [p.command for p in smsc.links[0].received]
                await asyncio.to_thread(server.start)
                ids = await queue_messages(runtime, numbers(2))
                await wait_for_parts(runtime, ids, lambda p: p.status == "sent")
                assert len(smsc.links) == 2


async def test_the_worker_exits_non_zero_when_the_connector_dies(
    databases: Databases, broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenConnector(Connector):
        async def run(self) -> None:
            raise RuntimeError("a bug in the connector")

    monkeypatch.setattr(worker, "Connector", BrokenConnector)
    settings = connector_settings(await databases.create("dispatch"), broker, 9)
    assert isinstance(settings, DispatchSettings)
    assert await asyncio.wait_for(worker.main(settings), 30) == 1

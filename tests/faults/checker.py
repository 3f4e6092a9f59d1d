"""After the faults stop and the platform drains: the invariants, read from where the truth
is (each service's own database, the SMSC's log of what reached it, the dead-letter topics),
and the table of what happened."""

import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events import ALL_TOPICS, dead_letter_topic

MESSAGE_FINAL = {"delivered", "undelivered", "failed", "rejected"}
PART_FINAL = {"delivered", "undelivered", "expired", "rejected", "failed", "unknown"}


@dataclass
class FaultRecord:
    """Times are wall-clock (time.time()): the SMSC simulator stamps submits the same way."""

    name: str
    started: float
    ended: float = 0.0
    recovered_after: float | None = None  # seconds from the fault's end to a delivered probe


@dataclass
class Submit:
    destination: str
    part_index: int
    status: int | None
    received_at: float
    message_id: str | None


@dataclass
class Findings:
    messages: int = 0
    parts: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    submits_accepted: int = 0
    submits_unanswered: int = 0
    submits_refused: Counter[int] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)  # cause -> parts
    # SMSC ids of the copies of a part the platform never heard back about: their receipts
    # can match nothing, and wait in dlr until swept to `unmatched`.
    orphan_smsc_ids: set[str] = field(default_factory=set)
    orphan_receipts: int = 0
    violations: list[str] = field(default_factory=list)

    def violate(self, what: str) -> None:
        self.violations.append(what)


def plain_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")


def parse_submit(raw: dict[str, Any]) -> Submit:
    payload = bytes.fromhex(raw["short_message_hex"])
    part_index = 1
    if raw["esm_class"] & 0x40 and payload:
        udh = payload[1 : 1 + payload[0]]
        position = 0
        while position + 2 <= len(udh):
            iei, length = udh[position], udh[position + 1]
            data = udh[position + 2 : position + 2 + length]
            if iei == 0x00 and length == 3:
                part_index = data[2]
            elif iei == 0x08 and length == 4:
                part_index = data[3]
            position += 2 + length
    return Submit(
        destination="+" + raw["destination_addr"].lstrip("+"),
        part_index=part_index,
        status=raw["status"],
        received_at=raw["received_at"],
        message_id=raw["message_id"],
    )


class Checker:
    def __init__(
        self,
        database_urls: dict[str, str],
        bootstrap_servers: str,
        accounts: list[uuid.UUID],
        starter_credit: Decimal,
        price_per_part: Decimal,
    ) -> None:
        self._urls = {name: plain_url(url) for name, url in database_urls.items()}
        self._bootstrap = bootstrap_servers
        self._accounts = accounts
        self._credit = starter_credit
        self._price = price_per_part

    async def _fetch(self, service: str, query: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self._urls[service])
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def unfinished(self) -> int:
        """Messages of the suite's accounts not yet final, plus events still in outboxes."""
        (row,) = await self._fetch(
            "dispatch",
            "SELECT count(*) AS n FROM messages WHERE account_id = ANY($1::uuid[])"
            " AND status <> ALL($2::text[])",
            self._accounts,
            list(MESSAGE_FINAL),
        )
        return int(row["n"]) + sum((await self.outbox_backlog()).values())

    async def outbox_backlog(self) -> dict[str, int]:
        backlog = {}
        for service in self._urls:
            (row,) = await self._fetch(service, "SELECT count(*) AS n FROM outbox")
            backlog[service] = int(row["n"])
        return backlog

    async def check(
        self,
        accepted: dict[str, str],
        submits: list[dict[str, Any]],
        faults: list[FaultRecord],
    ) -> Findings:
        """`accepted`: idempotency key -> message id, as the API told the client."""
        findings = Findings()
        messages = await self._check_messages(findings, accepted)
        await self._check_smsc(findings, messages, [parse_submit(s) for s in submits], faults)
        await self._check_receipts(findings)
        await self._check_billing(findings, messages)
        await self._check_outboxes_and_dead_letters(findings)
        return findings

    async def _check_messages(
        self, findings: Findings, accepted: dict[str, str]
    ) -> dict[str, asyncpg.Record]:
        rows = await self._fetch(
            "dispatch",
            "SELECT id::text, account_id, idempotency_key, to_number, status, segments"
            " FROM messages WHERE account_id = ANY($1::uuid[])",
            self._accounts,
        )
        by_id = {row["id"]: row for row in rows}
        findings.messages = len(rows)
        for key, message_id in accepted.items():
            row = by_id.get(message_id)
            if row is None:
                findings.violate(f"accepted message {message_id} is gone")
            elif row["idempotency_key"] != key:
                findings.violate(f"message {message_id} answered key {key}")
        keys = Counter(row["idempotency_key"] for row in rows)
        for key, count in keys.items():
            if key is not None and count > 1:
                findings.violate(f"idempotency key {key} made {count} messages")
        parts = await self._fetch(
            "dispatch",
            "SELECT message_id::text, part_index, status, smsc_message_id, resent_unanswered"
            " FROM message_parts"
            " WHERE message_id = ANY($1::uuid[])",
            list(by_id),
        )
        findings.parts = len(parts)
        self._recorded_ids = {part["smsc_message_id"] for part in parts}
        self._resent = {(p["message_id"], p["part_index"]): p["resent_unanswered"] for p in parts}
        per_message = Counter(part["message_id"] for part in parts)
        for row in rows:
            findings.statuses[row["status"]] += 1
            if row["status"] not in MESSAGE_FINAL:
                findings.violate(f"message {row['id']} still {row['status']}")
            if per_message[row["id"]] != row["segments"]:
                findings.violate(f"message {row['id']} has {per_message[row['id']]} parts")
        for part in parts:
            if part["status"] not in PART_FINAL:
                findings.violate(
                    f"part {part['message_id']}/{part['part_index']} still {part['status']}"
                )
        return by_id

    async def _check_smsc(
        self,
        findings: Findings,
        messages: dict[str, asyncpg.Record],
        submits: list[Submit],
        faults: list[FaultRecord],
    ) -> None:
        taken: dict[tuple[str, int], list[Submit]] = defaultdict(list)
        for submit in submits:
            if submit.status == 0:
                findings.submits_accepted += 1
                taken[(submit.destination, submit.part_index)].append(submit)
            elif submit.status is None:
                findings.submits_unanswered += 1
            else:
                findings.submits_refused[submit.status] += 1
        for message in messages.values():
            if message["status"] == "rejected":
                continue
            for index in range(1, message["segments"] + 1):
                received = taken.get((message["to_number"], index), [])
                if not received:
                    findings.violate(f"SMSC never received {message['id']} part {index}")
                elif len(received) > 1:
                    first, last = received[0].received_at, received[-1].received_at
                    cause = _cause(first, last, faults)
                    findings.duplicates[cause] += 1
                    findings.orphan_smsc_ids.update(
                        s.message_id
                        for s in received
                        if s.message_id and s.message_id not in self._recorded_ids
                    )
                    # Allowed only where the connector itself knows it may have sent a copy:
                    # it sent the part again after an attempt that got no answer.
                    resent = self._resent.get((message["id"], index), 0)
                    if len(received) - 1 > resent:
                        findings.violate(
                            f"{message['id']} part {index} reached the SMSC {len(received)}"
                            f" times but the connector resent it after no answer {resent}"
                            f" times (fault under way: {cause})"
                        )

    async def _check_receipts(self, findings: Findings) -> None:
        pending = await self._fetch("dlr", "SELECT smsc_message_id FROM pending_receipts")
        waiting = [row["smsc_message_id"] for row in pending]
        findings.orphan_receipts = sum(1 for i in waiting if i in findings.orphan_smsc_ids)
        unexplained = [i for i in waiting if i not in findings.orphan_smsc_ids]
        if unexplained:
            findings.violate(
                f"{len(unexplained)} receipts still wait for their part: {unexplained[:5]}"
            )
        unmatched = await self._fetch(
            "dlr", "SELECT smsc_message_id, raw_text FROM receipts WHERE message_id IS NULL"
        )
        for row in unmatched[:5]:
            findings.violate(f"receipt never matched: {row['smsc_message_id']} {row['raw_text']}")

    async def _check_billing(self, findings: Findings, messages: dict[str, asyncpg.Record]) -> None:
        charges = await self._fetch(
            "billing",
            "SELECT account_id, message_id::text, amount_units FROM ledger_transactions"
            " WHERE kind = 'charge' AND account_id = ANY($1::uuid[])",
            self._accounts,
        )
        per_message = Counter(row["message_id"] for row in charges)
        for message_id, count in per_message.items():
            if count > 1:
                findings.violate(f"message {message_id} charged {count} times")
            if message_id not in messages:
                findings.violate(f"charge for a message dispatch doesn't have: {message_id}")
        for message in messages.values():
            charged = per_message.get(message["id"], 0)
            if message["status"] != "rejected" and charged != 1:
                findings.violate(f"message {message['id']} charged {charged} times")
        for row in charges:
            message = messages.get(row["message_id"])
            if message is not None:
                expected = int(self._price * 10_000) * message["segments"]
                if -row["amount_units"] != expected:
                    findings.violate(f"{row['message_id']} charged {row['amount_units']} units")
        balances = await self._fetch(
            "billing",
            "SELECT account_id, amount_units FROM balances WHERE account_id = ANY($1::uuid[])",
            self._accounts,
        )
        spent: Counter[uuid.UUID] = Counter()
        for row in charges:
            spent[row["account_id"]] += -row["amount_units"]
        for row in balances:
            expected = int(self._credit * 10_000) - spent[row["account_id"]]
            if row["amount_units"] != expected or row["amount_units"] < 0:
                findings.violate(
                    f"account {row['account_id']} balance {row['amount_units']} != {expected}"
                )

    async def _check_outboxes_and_dead_letters(self, findings: Findings) -> None:
        for service, rows in (await self.outbox_backlog()).items():
            if rows:
                findings.violate(f"{rows} events stuck in {service}'s outbox")
        for topic, records in (await self.dead_letters()).items():
            for record in records[:5]:
                headers = dict(record.headers or ())
                if not headers.get("error"):
                    findings.violate(f"{topic}: dead letter without a reason")
            if records:
                findings.violate(
                    f"{len(records)} events dead-lettered in {topic}: "
                    + "; ".join(
                        bytes(dict(r.headers or ()).get("error", b"")).decode()[:200]
                        for r in records[:3]
                    )
                )

    async def dead_letters(self) -> dict[str, list[Any]]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, enable_auto_commit=False, group_id=None
        )
        await consumer.start()
        try:
            await consumer.topics()  # fills the metadata partitions_for_topic reads
            found: dict[str, list[Any]] = {}
            for topic in (dead_letter_topic(t) for t in ALL_TOPICS):
                partitions = consumer.partitions_for_topic(topic) or set()
                tps = [TopicPartition(topic, p) for p in partitions]
                if not tps:
                    continue
                consumer.assign(tps)
                ends = await consumer.end_offsets(tps)
                await consumer.seek_to_beginning(*tps)
                records: list[Any] = []
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and await _behind(consumer, ends):
                    batch = await consumer.getmany(timeout_ms=500)
                    for part in batch.values():
                        records.extend(part)
                found[topic] = records
            return found
        finally:
            await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


def _cause(first: float, last: float, faults: list[FaultRecord]) -> str:
    """The fault most recently begun when the part went out again, if it was still under
    way or had just ended (its recovery is part of it)."""
    begun = [fault for fault in faults if fault.started - 1 <= last]
    if not begun:
        return "none"
    fault = max(begun, key=lambda f: f.started)
    return fault.name if last <= fault.ended + 30 else "none"


def table(findings: Findings, faults: list[FaultRecord], load: dict[str, Any]) -> str:
    lines = ["", "fault                          recovered after", "-" * 48]
    for fault in faults:
        recovered = (
            f"{fault.recovered_after:6.1f} s" if fault.recovered_after is not None else "never"
        )
        lines.append(f"{fault.name:<30} {recovered}")
    lines += [
        "",
        f"messages accepted   {findings.messages}  ({dict(findings.statuses)})",
        f"parts               {findings.parts}",
        f"client retries      {load.get('retries', 0)}  errors seen: {load.get('errors', {})}",
        f"submit_sm at SMSC   {findings.submits_accepted} accepted, "
        f"{findings.submits_unanswered} unanswered, refused: {dict(findings.submits_refused)}",
        f"parts sent twice    {sum(findings.duplicates.values())}  by cause: "
        f"{dict(findings.duplicates)}",
        f"orphan receipts     {findings.orphan_receipts}  (receipts of a copy the platform "
        "never heard back about)",
        f"violations          {len(findings.violations)}",
    ]
    lines += [f"  - {v}" for v in findings.violations[:30]]
    return "\n".join(lines)

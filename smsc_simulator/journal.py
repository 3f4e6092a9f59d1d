"""Everything the simulator saw and did, kept in memory for the control API and tests."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from smpplib.command import Command

from .codec import text_field


@dataclass
class SubmitRecord:
    """One submit_sm as received, answered or not (GET /submits)."""

    index: int
    session: int
    system_id: str
    source_addr: str
    destination_addr: str
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes
    received_at: float
    message_id: str | None = None  # None: no id was issued (error answer, or no answer)
    status: int | None = None  # the submit_sm_resp command_status; None: never answered
    receipts_sent: int = 0  # deliver_sm PDUs written for it, redeliveries and copies included

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "session": self.session,
            "system_id": self.system_id,
            "source_addr": self.source_addr,
            "destination_addr": self.destination_addr,
            "esm_class": self.esm_class,
            "data_coding": self.data_coding,
            "registered_delivery": self.registered_delivery,
            "short_message_hex": self.short_message.hex(),
            "message_id": self.message_id,
            "status": self.status,
            "received_at": self.received_at,
            "receipts_sent": self.receipts_sent,
        }


@dataclass
class Journal:
    submits: list[SubmitRecord] = field(default_factory=list)
    responses_by_status: Counter[int] = field(default_factory=Counter)
    receipts_sent: int = 0
    receipts_acked: int = 0
    receipts_redelivered: int = 0
    receipts_nacked: int = 0
    connections_accepted: int = 0
    # Connections that ended without an unbind exchange, whichever side cut them.
    connections_dropped: int = 0
    drops_injected: int = 0
    generic_nacks: int = 0

    def record_submit(self, pdu: Command, session: int, system_id: str) -> SubmitRecord:
        record = SubmitRecord(
            index=len(self.submits),
            session=session,
            system_id=system_id,
            source_addr=text_field(pdu.source_addr),
            destination_addr=text_field(pdu.destination_addr),
            esm_class=pdu.esm_class or 0,
            data_coding=pdu.data_coding or 0,
            registered_delivery=pdu.registered_delivery or 0,
            short_message=pdu.short_message or b"",
            received_at=time.time(),
        )
        self.submits.append(record)
        return record

    def answered(self, record: SubmitRecord, status: int, message_id: str | None = None) -> None:
        record.status, record.message_id = status, message_id
        self.responses_by_status[status] += 1

    def since(self, index: int) -> list[dict[str, Any]]:
        return [record.to_json() for record in self.submits[max(index, 0) :]]

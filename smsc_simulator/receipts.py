"""Delivery receipts: when they go out, to which session, and redelivery until acknowledged.

Receipts are at-least-once, as on a real store-and-forward SMSC: a deliver_sm counts as
delivered only once a deliver_sm_resp with status 0 answers it. One not answered within
receipt_ack_timeout, answered with an error, or in flight on a connection that drops is sent
again — to the submitting session if it can still take it, else to another receiver or
transceiver of the same system_id, else held until one binds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .codec import encode, header
from .config import ReceiptMode
from .journal import SubmitRecord
from .messages import SubmittedMessage, receipt_fields

if TYPE_CHECKING:
    from .server import SmscSimulator
    from .session import Session

logger = logging.getLogger(__name__)

DELIVER_SM_RESP = 0x80000005


@dataclass(eq=False)
class Delivery:
    """One receipt to deliver; "twice" makes two of these with the very same fields."""

    msg: SubmittedMessage
    record: SubmitRecord
    origin: Session
    fields: dict[str, Any]
    attempts: int = 0
    session: Session | None = None  # where it is in flight, awaiting deliver_sm_resp
    sequence: int = 0
    timer: asyncio.TimerHandle | None = None


class ReceiptDesk:
    def __init__(self, sim: SmscSimulator) -> None:
        self.sim = sim
        self._open: set[Delivery] = set()  # every delivery not yet acknowledged
        self._held: list[Delivery] = []

    @property
    def pending(self) -> int:
        return len(self._open)

    @property
    def held(self) -> int:
        return len(self._held)

    def submitted(
        self, msg: SubmittedMessage, record: SubmitRecord, origin: Session, mode: ReceiptMode
    ) -> None:
        """Plan the receipt(s) of an accepted submit according to the receipt mode."""
        config = self.sim.config
        delay = {"before_response": 0.0, "late": self.sim.faults.late_delay}.get(
            mode, config.receipt_delay
        )
        receipt_id = str(msg.id_number) if config.receipt_id_format == "decimal" else msg.message_id
        done = datetime.now(UTC) + timedelta(seconds=delay)
        fields = receipt_fields(msg, receipt_id, config.receipt_tlvs, done)
        for _ in range(2 if mode == "twice" else 1):
            delivery = Delivery(msg, record, origin, fields)
            self._open.add(delivery)
            if mode == "before_response":
                self._send(delivery)
            else:
                self._later(delivery, delay)

    def _later(self, delivery: Delivery, delay: float) -> None:
        delivery.timer = asyncio.get_running_loop().call_later(delay, self._send, delivery)

    def _send(self, delivery: Delivery) -> None:
        delivery.timer = None
        if self.sim.faults.silent():
            self._held.append(delivery)  # flushed when the silence ends
            return
        origin = delivery.origin
        target = origin if origin.can_receive else self.sim.receiver_for(delivery.msg.system_id)
        if target is None:
            self._held.append(delivery)
            return
        data = encode("deliver_sm", target.counter, **delivery.fields)
        if not target.send(data):
            self._held.append(delivery)
            return
        delivery.session, delivery.sequence = target, header(data)[2]
        target.outstanding[delivery.sequence] = delivery
        delivery.attempts += 1
        journal = self.sim.journal
        journal.receipts_sent += 1
        delivery.record.receipts_sent += 1
        if delivery.attempts > 1:
            journal.receipts_redelivered += 1
        loop = asyncio.get_running_loop()
        delivery.timer = loop.call_later(
            self.sim.config.receipt_ack_timeout, self._expire, delivery
        )

    def _expire(self, delivery: Delivery) -> None:
        logger.info(
            "receipt for %s not acknowledged in time; sending again", delivery.msg.message_id
        )
        self._detach(delivery)
        self._send(delivery)

    def _detach(self, delivery: Delivery) -> None:
        if delivery.timer is not None:
            delivery.timer.cancel()
            delivery.timer = None
        if delivery.session is not None:
            delivery.session.outstanding.pop(delivery.sequence, None)
            delivery.session = None

    def on_response(self, session: Session, command_id: int, status: int, sequence: int) -> None:
        delivery = session.outstanding.get(sequence)
        if delivery is None:
            return  # an enquire_link_resp, an MO's deliver_sm_resp, or a late duplicate
        self._detach(delivery)
        if command_id == DELIVER_SM_RESP and status == 0:
            self._open.discard(delivery)
            self.sim.journal.receipts_acked += 1
            return
        self.sim.journal.receipts_nacked += 1
        self._later(delivery, self.sim.config.receipt_retry_delay)

    def session_closed(self, session: Session) -> None:
        """Receipts in flight on a connection that is gone may never have arrived: resend."""
        for delivery in list(session.outstanding.values()):
            self._detach(delivery)
            self._send(delivery)

    def flush(self, system_id: str | None = None) -> None:
        """Send held receipts (all, or those of one account) to whoever can take them now."""
        waiting: list[Delivery] = []
        kept: list[Delivery] = []
        for delivery in self._held:
            matches = system_id is None or delivery.msg.system_id == system_id
            (waiting if matches else kept).append(delivery)
        self._held = kept
        for delivery in waiting:
            self._send(delivery)

    def stop(self) -> None:
        for delivery in self._open:
            self._detach(delivery)
        self._open.clear()
        self._held.clear()

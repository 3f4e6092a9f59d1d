"""Delivery receipts: when they go out, to which session, and redelivery until acknowledged.

Receipts are at-least-once, as on a real store-and-forward SMSC: a deliver_sm counts as
delivered only once a deliver_sm_resp with status 0 answers it. At most receipt_window of them
are unanswered per session, as SMSCs window deliver_sm too: an ESME slow to answer is fed at
its own pace instead of having the ack timeout expire on a backlog it has not read yet.
One not answered within receipt_ack_timeout, answered with an error, or in flight on a
connection that drops is sent again — to the submitting session if it can still take it,
else to another receiver or transceiver of the same system_id, else held until one binds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
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
        # Receipts due but not in flight, per system_id, oldest first: waiting for a bound
        # receiver, a free slot in its window, or the end of a silence.
        self._held: dict[str, deque[Delivery]] = {}

    @property
    def pending(self) -> int:
        return len(self._open)

    @property
    def held(self) -> int:
        return sum(len(queue) for queue in self._held.values())

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
                self._due(delivery)
            else:
                self._later(delivery, delay)

    def _later(self, delivery: Delivery, delay: float) -> None:
        delivery.timer = asyncio.get_running_loop().call_later(delay, self._due, delivery)

    def _due(self, delivery: Delivery, first: bool = False) -> None:
        """Queue a receipt for its account (at the front if it was sent before) and pump."""
        delivery.timer = None
        queue = self._held.setdefault(delivery.msg.system_id, deque())
        if first:
            queue.appendleft(delivery)
        else:
            queue.append(delivery)
        self._pump(delivery.msg.system_id)

    def _target(self, delivery: Delivery) -> Session | None:
        window = self.sim.config.receipt_window
        origin = delivery.origin
        if origin.can_receive and len(origin.outstanding) < window:
            return origin
        return self.sim.receiver_for(delivery.msg.system_id, window)

    def _pump(self, system_id: str) -> None:
        """Send queued receipts in order while a receiving session has room in its window."""
        queue = self._held.get(system_id)
        while queue and not self.sim.faults.silent():
            target = self._target(queue[0])
            if target is None:
                return
            delivery = queue.popleft()
            data = encode("deliver_sm", target.counter, **delivery.fields)
            if not target.send(data):
                queue.appendleft(delivery)
                return
            self._in_flight(delivery, target, header(data)[2])

    def _in_flight(self, delivery: Delivery, target: Session, sequence: int) -> None:
        delivery.session, delivery.sequence = target, sequence
        target.outstanding[sequence] = delivery
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
        self._due(delivery, first=True)

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
        else:
            self.sim.journal.receipts_nacked += 1
            self._later(delivery, self.sim.config.receipt_retry_delay)
        self._pump(session.system_id)  # a window slot is free

    def session_closed(self, session: Session) -> None:
        """Receipts in flight on a connection that is gone may never have arrived: resend."""
        for delivery in reversed(list(session.outstanding.values())):
            self._detach(delivery)
            self._due(delivery, first=True)

    def flush(self, system_id: str | None = None) -> None:
        """Send held receipts (all, or those of one account) to whoever can take them now."""
        for account in [system_id] if system_id is not None else list(self._held):
            self._pump(account)

    def stop(self) -> None:
        for delivery in self._open:
            self._detach(delivery)
        self._open.clear()
        self._held.clear()

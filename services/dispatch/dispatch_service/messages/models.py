"""Messages and their parts, with the transitions that keep both consistent.

The state rules themselves live in `status`; these methods apply them to rows and keep
timestamps, price and error details in step with the status.
"""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from dispatch_service.db import Base
from dispatch_service.history.models import MessagePartEvent
from dispatch_service.messages.status import (
    MESSAGE_FINAL,
    PART_FINAL,
    MessageStatus,
    PartStatus,
    advance_message,
    advance_part,
    aggregate,
)
from dispatch_service.sms.encoding import Encoding
from shared.db import UtcDateTime
from shared.events import ConsentPurpose, utcnow

# The error code of a part (and its message) whose receipt never came before the deadline;
# no SMSC reports it, so it also marks the part's status as ours, not the operator's.
RECEIPT_TIMEOUT = "receipt_timeout"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A client retry carrying the same key must never create a second message.
        # Named by hand: the convention's uq name would mention account_id alone.
        UniqueConstraint(
            "account_id", "idempotency_key", name="uq_messages_account_id_idempotency_key"
        ),
        # Serves tenant-scoped lookups and "newest first" listing, whose pages are keyed
        # by (created_at, id): the id breaks ties between messages created at one instant.
        Index("ix_messages_account_id_created_at_id", "account_id", "created_at", "id"),
        # Lists a batch's messages in request order.
        Index(
            "ix_messages_batch_id_batch_index",
            "batch_id",
            "batch_index",
            postgresql_where=text("batch_id IS NOT NULL"),
            sqlite_where=text("batch_id IS NOT NULL"),
        ),
        # Finds messages billing hasn't answered for (the stuck-parts report): few at a time.
        Index(
            "ix_messages_accepted_created_at",
            "created_at",
            postgresql_where=text("status = 'accepted'"),
            sqlite_where=text("status = 'accepted'"),
        ),
        # The scheduler looks for scheduled messages whose time has come, every second.
        Index(
            "ix_messages_scheduled_send_at",
            "send_at",
            postgresql_where=text("status = 'scheduled'"),
            sqlite_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    to_number: Mapped[str] = mapped_column(String(16))  # E.164: + and at most 15 digits
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    encoding: Mapped[Encoding] = mapped_column(String(8))
    segments: Mapped[int] = mapped_column(SmallInteger)
    # The concatenation UDH reference shared by all parts (0..255), handed out per
    # destination by ConcatReference; 0 for a single-part message, which has no UDH.
    concat_reference: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[MessageStatus] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # Set for messages sent through POST /v1/messages/batch: the batch and the entry's
    # position in the request, which orders the batch's listing.
    batch_id: Mapped[UUID | None] = mapped_column(Uuid)
    batch_index: Mapped[int | None] = mapped_column(Integer)
    # Where dlr also posts this message's statuses (signed); carried on message.accepted,
    # kept here so a scheduled or held message carries it when it is released.
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    # marketing | transactional: only marketing is refused to numbers that opted out.
    purpose: Mapped[ConsentPurpose] = mapped_column(
        String(16), default="transactional", server_default="transactional"
    )
    # When a scheduled message goes (it is charged then); None: at once.
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The SMSC keeps trying to deliver it this long (submit_sm validity_period); None: the
    # SMSC's default.
    validity_period: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[str | None] = mapped_column(String(32))  # decimal string, never a float
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    parts: Mapped[list["MessagePart"]] = relationship(
        back_populates="message",
        order_by="MessagePart.part_index",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    def part(self, part_index: int) -> "MessagePart":
        for part in self.parts:
            if part.part_index == part_index:
                return part
        raise LookupError(f"message {self.id} has no part {part_index}")

    def release(self, at: datetime) -> bool:
        """Its send_at came: accepted, for billing to charge and the SMPP worker to send."""
        if self.status == "accepted" or advance_message(self.status, "accepted") != "accepted":
            return False
        self.status, self.updated_at = "accepted", at
        for part in self.parts:
            if (new := advance_part(part.status, "pending")) != part.status:
                part.status = new
                self._log(part, at)
        return True

    def cancel(self, at: datetime) -> bool:
        """The customer canceled it before its send_at: nothing was charged or sent."""
        if self.status == "canceled" or advance_message(self.status, "canceled") != "canceled":
            return False
        self.status, self.updated_at, self.done_at = "canceled", at, at
        for part in self.parts:
            if (new := advance_part(part.status, "canceled")) != part.status:
                part.status = new
                self._log(part, at)
            part.done_at = part.done_at or at
        return True

    def queue(self, price: str, currency: str, at: datetime) -> bool:
        """Billing authorised the charge: hand the parts to the SMPP worker."""
        if advance_message(self.status, "queued") != "queued":
            return False
        self.status, self.price, self.currency, self.queued_at = "queued", price, currency, at
        for part in self.parts:
            if (new := advance_part(part.status, "queued")) != part.status:
                part.status = new
                self._log(part, at)
        return True

    def reject(self, error_code: str, reason: str, at: datetime) -> bool:
        """Billing declined the charge: nothing will be sent."""
        if advance_message(self.status, "rejected") != "rejected":
            return False
        self.status, self.done_at = "rejected", at
        self.error_code, self.status_reason = error_code, reason
        for part in self.parts:
            if (new := advance_part(part.status, "rejected")) != part.status:
                part.status = new
                self._log(part, at, error_code)
            part.done_at = part.done_at or at
        return True

    def record_part(
        self,
        part_index: int,
        proposed: PartStatus,
        at: datetime,
        *,
        smsc_message_id: str | None = None,
        error_code: str | None = None,
        reason: str | None = None,
        receipt: bool = False,
        smsc: str | None = None,
    ) -> bool:
        """Apply one part's new status and recompute the message's. False if nothing moved.

        `receipt`: the status comes from the SMSC's delivery receipt, which also overrides
        an outcome the receipt deadline guessed (see `time_out_part`). `smsc`: the name of
        the SMPP link the part went over, when the caller knows it.
        """
        part = self.part(part_index)
        if part.status == "pending":
            return False  # never authorised, so never handed to the SMSC: nothing to record
        # Filled in even when the status doesn't move: a receipt that overtook the submit
        # bookkeeping must not leave the part without the id the SMSC gave it.
        part.smsc_message_id = part.smsc_message_id or smsc_message_id
        part.smsc = part.smsc or smsc
        if proposed == "sent":
            part.submitted_at = part.submitted_at or at
        # A guessed outcome (the deadline's) or a receipt that said UNKNOWN gives way, once,
        # to a definite outcome from a later receipt: the operator's word beats no word.
        revising = (
            receipt
            and proposed in PART_FINAL
            and proposed != part.status
            and (part.timed_out or part.status == "unknown")
        )
        new = advance_part(part.status, proposed, provisional=revising)
        if new == part.status and not revising:
            return False
        part.status = new
        self._log(part, at, error_code)
        # Bumped by hand: a part's progress is news to a client polling the message even
        # when the message row itself doesn't change.
        self.updated_at = utcnow()
        if new == "sent":
            self.sent_at = self.sent_at or at
        if new in PART_FINAL:
            part.done_at, part.error_code = at, error_code
        if revising and self.error_code == RECEIPT_TIMEOUT:
            self._explain_from_parts()
        elif new in PART_FINAL and new != "delivered":
            # The first part that went wrong explains the message's outcome.
            self.error_code = self.error_code or error_code
            self.status_reason = self.status_reason or reason or f"part {part_index} {new}"
        self._recompute(at, revising=revising)
        return True

    def time_out_part(self, part_index: int, status: PartStatus, at: datetime) -> bool:
        """No receipt came for the part in time: give it `status` (expired or unknown) so
        the message can finish. A receipt arriving later still replaces it."""
        if self.part(part_index).status != "sent":
            return False
        return self.record_part(
            part_index,
            status,
            at,
            error_code=RECEIPT_TIMEOUT,
            reason=_timeout_reason(part_index, status),
        )

    def _log(self, part: "MessagePart", at: datetime, error_code: str | None = None) -> None:
        # Queued for the flush that writes the part's new status: one transaction for both.
        part.events.add(
            MessagePartEvent(
                message_id=self.id,
                part_index=part.part_index,
                account_id=self.account_id,
                status=part.status,
                error_code=error_code,
                smsc=part.smsc,
                smsc_message_id=part.smsc_message_id,
                occurred_at=at,
            )
        )

    def _explain_from_parts(self) -> None:
        # The timed-out part that explained the outcome has its real one now.
        self.error_code = self.status_reason = None
        for part in self.parts:
            if part.status in PART_FINAL and part.status != "delivered":
                self.error_code = part.error_code
                self.status_reason = (
                    _timeout_reason(part.part_index, part.status)
                    if part.timed_out
                    else f"part {part.part_index} {part.status}"
                )
                return

    def _recompute(self, at: datetime, *, revising: bool = False) -> None:
        proposed = aggregate([part.status for part in self.parts])
        new = advance_message(self.status, proposed, revising=revising)
        if new != self.status:
            self.status = new
            if new in MESSAGE_FINAL:
                self.done_at = at


def _timeout_reason(part_index: int, status: str) -> str:
    return f"part {part_index} {status}: no delivery receipt before the deadline"


class MessagePart(Base):
    __tablename__ = "message_parts"
    __table_args__ = (
        # The SMPP worker polls for queued parts; almost every row is final, so index only
        # the few that are waiting.
        Index(
            "ix_message_parts_queued",
            "message_id",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
        # The backlog gate counts the parts not yet on the wire, every half second.
        Index(
            "ix_message_parts_waiting",
            "message_id",
            postgresql_where=text("status IN ('pending', 'queued')"),
            sqlite_where=text("status IN ('pending', 'queued')"),
        ),
        # The receipt deadline sweep looks for parts sent long ago and still waiting.
        Index(
            "ix_message_parts_sent_submitted_at",
            "submitted_at",
            postgresql_where=text("status = 'sent'"),
            sqlite_where=text("status = 'sent'"),
        ),
    )

    message_id: Mapped[UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    part_index: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based, as in the UDH
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[PartStatus] = mapped_column(String(16))
    smsc_message_id: Mapped[str | None] = mapped_column(String(64), index=True)
    smsc: Mapped[str | None] = mapped_column(String(64))  # the SMPP link it was submitted on
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error_code: Mapped[str | None] = mapped_column(String(64))
    # The SMPP connector's record of what it put on the wire, so duplicates at the SMSC can
    # be explained: every submit_sm sent, every one the SMSC answered, and how often the part
    # went again after a submit that got no answer (the SMSC may have taken that one too).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    answered_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resent_unanswered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The link of the latest attempt. While that attempt is unanswered (attempts >
    # answered_attempts) the SMSC behind it may hold the part, so it goes again only there:
    # a failover to another link could deliver it twice.
    attempt_smsc: Mapped[str | None] = mapped_column(String(64))

    message: Mapped[Message] = relationship(back_populates="parts", lazy="raise")
    # Written through `events` (never loaded: appending costs no query), read through
    # `history`, which only the message's detail loads.
    events: WriteOnlyMapped[MessagePartEvent] = relationship(passive_deletes=True)
    history: Mapped[list[MessagePartEvent]] = relationship(
        viewonly=True, lazy="raise", order_by=MessagePartEvent.id
    )

    @property
    def timed_out(self) -> bool:
        """Its final status is the receipt deadline's guess, not an SMSC's report."""
        return self.error_code == RECEIPT_TIMEOUT


class ConcatReference(Base):
    """The last concatenation reference handed out for each destination number.

    A handset reassembles parts by their 8-bit reference, so two long messages in flight to
    one number must not share it. Counting per number means no two of any 256 consecutive
    long messages to it do, where random references collided for 1 pair in 256.
    """

    __tablename__ = "concat_references"

    to_number: Mapped[str] = mapped_column(String(16), primary_key=True)  # E.164
    last_reference: Mapped[int] = mapped_column(SmallInteger)
    # The retention job deletes a number's row a week after its last long message
    # (DataKind.CONCAT_REFERENCES): the counter is needed only while parts are in flight.
    used_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

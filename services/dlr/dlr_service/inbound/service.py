import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.config import DlrSettings
from dlr_service.consent.service import apply_keyword, keywords
from dlr_service.db import Outbox
from dlr_service.inbound.concat import Malformed, Part, classify
from dlr_service.inbound.fingerprint import fingerprint
from dlr_service.inbound.models import InboundMessage, InboundPart
from dlr_service.inbound.ownership import owner
from dlr_service.inbound.repository import (
    ConcatKey,
    InboundRepository,
    PartRepository,
    Unowned,
)
from dlr_service.numbers.addresses import canonical
from dlr_service.privacy import replays
from dlr_service.webhooks import enqueue as webhooks
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound
from shared.events import DeliverSmReceived, InboundMessageReceived, utcnow
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def record_inbound(
    session: AsyncSession, event: DeliverSmReceived, settings: DlrSettings
) -> None:
    """Store an MO (deliver_sm or data_sm alike) and announce it, once per message; a part
    of a long one waits for the others."""
    kind = classify(event)
    if isinstance(kind, Part):
        await _record_part(session, event, kind, settings)
        return
    repository = InboundRepository(session)
    mark = fingerprint(event)
    await repository.lock_fingerprint(mark)
    window = settings.mo_duplicate_window
    # Both sides of the window: copies may be handled out of order across partitions.
    if await repository.seen(mark, event.received_at - window, event.received_at + window):
        log.info("dropping %s from %s: the SMSC sent it again", event.command, event.source_addr)
        return
    malformed = isinstance(kind, Malformed)
    if isinstance(kind, Malformed):
        log.warning("malformed %s on %s kept raw: %s", event.command, event.smsc, kind.reason)
    message = InboundMessage(
        # One inbound message per deliver_sm event: its id traces the message to the PDU.
        id=event.event_id,
        smsc=event.smsc,
        from_number=canonical(event.source_addr),
        to_number=canonical(event.destination_addr),
        text=printable(event.text),
        fingerprint=mark,
        received_at=event.received_at,
        parts=1,
        incomplete=False,
        malformed=malformed,
        raw_hex=event.short_message_hex if malformed else None,
    )
    await _store(session, message, settings)


def printable(text: str) -> str:
    """What PostgreSQL can store of a text: NUL characters become U+FFFD."""
    return text.replace("\x00", "\ufffd")


async def _record_part(
    session: AsyncSession, event: DeliverSmReceived, part: Part, settings: DlrSettings
) -> None:
    from_number, to_number = canonical(event.source_addr), canonical(event.destination_addr)
    if await _from_before_erasure(session, from_number, to_number, event.received_at, settings):
        return
    key: ConcatKey = (event.smsc, from_number, to_number, part.reference, part.total)
    parts = PartRepository(session)
    await parts.lock(key)
    if await _is_copy(parts, key, part, event, settings.mo_duplicate_window):
        log.info(
            "dropping part %d/%d from %s: the SMSC sent it again",
            part.seq,
            part.total,
            event.source_addr,
        )
        return
    parts.add(
        InboundPart(
            id=event.event_id,
            smsc=event.smsc,
            from_number=from_number,
            to_number=to_number,
            reference=part.reference,
            total=part.total,
            seq=part.seq,
            text=event.text,
            received_at=event.received_at,
            stored_at=utcnow(),
        )
    )
    waiting = await parts.waiting(key)
    if len({row.seq for row in waiting}) == part.total:
        await _assemble(session, waiting, settings, incomplete=False)


async def _from_before_erasure(
    session: AsyncSession,
    from_number: str,
    to_number: str,
    received_at: datetime,
    settings: DlrSettings,
) -> bool:
    """A part from before its number's erasure is dropped at once rather than kept waiting
    for the rest of its message (holding the number) until _store drops the message."""
    account_id = await owner(session, from_number, to_number, received_at, settings.mo_reply_window)
    if await replays.erased_since(session, account_id, from_number, received_at):
        log.info("dropping an MO part from before its number's erasure")
        return True
    return False


async def _is_copy(
    parts: PartRepository,
    key: ConcatKey,
    part: Part,
    event: DeliverSmReceived,
    window: timedelta,
) -> bool:
    """The part is one the SMSC sends again: its message still waits and has it already,
    or, waiting for nothing, its message was just assembled with this very part. A message
    waiting for this part takes it, even if the handset's last long message (the 8-bit
    reference recycles) had a part with this text."""
    waiting = await parts.waiting(key)
    if waiting:
        return any(row.seq == part.seq for row in waiting)
    around = (event.received_at - window, event.received_at + window)
    return await parts.recently_assembled(key, part.seq, event.text, around)


async def _assemble(
    session: AsyncSession,
    waiting: Sequence[InboundPart],
    settings: DlrSettings,
    *,
    incomplete: bool,
) -> InboundMessage:
    """One message of a long MO's parts, in order (each part once)."""
    ordered = list({row.seq: row for row in reversed(waiting)}.values())
    ordered.sort(key=lambda row: row.seq)
    first = ordered[0]
    message = InboundMessage(
        # The first part's PDU stands for the message.
        id=first.id,
        smsc=first.smsc,
        from_number=first.from_number,
        to_number=first.to_number,
        text="".join(row.text for row in ordered),
        fingerprint=None,  # redeliveries are recognised part by part
        received_at=max(row.received_at for row in ordered),
        parts=first.total,
        incomplete=incomplete,
        malformed=False,
        raw_hex=None,
    )
    await PartRepository(session).assembled([row.id for row in waiting], message.id)
    await _store(session, message, settings)
    return message


async def _store(session: AsyncSession, message: InboundMessage, settings: DlrSettings) -> None:
    """Give a complete (or given up on) MO its owner, store it and announce it, and a
    keyword's consent change with it. Not from a malformed or incomplete text: neither is
    what the person wrote."""
    message.account_id = await owner(
        session,
        message.from_number,
        message.to_number,
        message.received_at,
        settings.mo_reply_window,
    )
    if await replays.erased_since(
        session, message.account_id, message.from_number, message.received_at
    ):
        log.info("dropping an MO from before its number's erasure (%s)", message.id)
        # The parts it was made of (a long MO) go with it.
        await PartRepository(session).delete_of(message.id)
        return
    found = None
    if message.account_id is not None and not (message.malformed or message.incomplete):
        found = keywords(settings).match(message.text)
    message.keyword = found.word if found else None
    await InboundRepository(session).add(message)
    if found:
        apply_keyword(session, message, found)
    received = InboundMessageReceived(
        account_id=message.account_id,
        inbound_id=message.id,
        from_number=message.from_number,
        to_number=message.to_number,
        text=message.text,
        received_at=message.received_at,
        parts=message.parts,
        incomplete=message.incomplete,
        malformed=message.malformed,
        keyword=message.keyword,
        help_requested=found is not None and found.opted_out is None,
    )
    add_event(session, Outbox, received)
    await webhooks.inbound_received(session, received)


async def sweep_incomplete(
    session: AsyncSession, settings: DlrSettings, now: datetime, limit: int
) -> int:
    """Give up waiting on up to `limit` long MOs whose first part came more than the
    reassembly window ago: each becomes a message of what arrived, `incomplete`. Returns
    how many."""
    parts = PartRepository(session)
    stale = await parts.stale(now - settings.mo_reassembly_window, limit)
    for key in stale:
        await parts.lock(key)
        # Read again under the lock: the last part may have completed it meanwhile.
        waiting = await parts.waiting(key)
        if waiting:
            message = await _assemble(session, waiting, settings, incomplete=True)
            log.info(
                "long MO %s incomplete: %d of %d parts", message.id, len(waiting), message.parts
            )
    if len(stale) < limit:
        await parts.prune(now - settings.mo_reassembly_window - settings.mo_duplicate_window)
    return len(stale)


async def get(session: AsyncSession, account_id: UUID | None, inbound_id: UUID) -> InboundMessage:
    # Another account's message, or nobody's, is "not found": ids reveal nothing.
    message = await InboundRepository(session).get(account_id, inbound_id)
    if message is None:
        raise NotFound("Inbound message")
    return message


async def page(
    session: AsyncSession,
    owner: UUID | Unowned | None,
    number: str | None,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[InboundMessage], str | None]:
    before = decode_cursor(cursor) if cursor else None
    numbers: list[str] = []
    if number:
        # Also as an SMSC may have spelled it, for messages stored before canonical spelling.
        spelled = canonical(number)
        numbers = list(dict.fromkeys([spelled, spelled.removeprefix("+"), number.strip()]))
    rows = await InboundRepository(session).page(owner, numbers, since, until, before, limit + 1)
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.received_at, last.id)

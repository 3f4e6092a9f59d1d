from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.backlog.service import BacklogGate
from dispatch_service.config import DispatchSettings
from dispatch_service.consent import service as consent
from dispatch_service.db import Outbox
from dispatch_service.destinations.gate import DestinationGate
from dispatch_service.messages import metrics, repository
from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.messages.phone import (
    InvalidPhoneNumber,
    InvalidSender,
    PhoneNumber,
    parse_phone_number,
    parse_sender,
)
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.messages.status import MessageStatus
from dispatch_service.scheduling.intake import due_time
from dispatch_service.sms.encoding import SegmentedText, segment
from dispatch_service.tariffs.gate import TariffGate
from dispatch_service.trial import service as trial_caps
from dispatch_service.windows.models import SendingWindow
from dispatch_service.windows.service import held_until
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound, ProblemError
from shared.events import MessageAccepted, utcnow
from shared.outbox import add_event
from shared.urls import ForbiddenUrl, UrlRules

if TYPE_CHECKING:  # senders.intake uses this module's checks
    from dispatch_service.senders.intake import SenderGate


class InvalidPhoneNumberProblem(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_phone_number", "Invalid phone number", detail)


class InvalidSenderProblem(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_sender", "Invalid sender", detail)


class MessageTooLong(ProblemError):
    def __init__(self, segments: int, max_segments: int) -> None:
        super().__init__(
            422,
            "message_too_long",
            "Message too long",
            f"the text needs {segments} SMS parts; at most {max_segments} are allowed",
            segments=segments,
            max_segments=max_segments,
        )


class CallbackUrlForbidden(ProblemError):
    """The same code as dlr's refusal of a webhook endpoint's URL."""

    def __init__(self, reason: str) -> None:
        super().__init__(422, "webhook_url_forbidden", "Webhook URL not allowed", reason)


def check_callback_url(settings: DispatchSettings, url: str | None) -> None:
    """A send's callback_url, held to the webhook URL rules that need no lookup."""
    if url is None:
        return
    try:
        UrlRules(settings.webhooks_allow_loopback).check_offline(url)
    except ForbiddenUrl as exc:
        raise CallbackUrlForbidden(str(exc)) from exc


class IdempotencyKeyReused(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "idempotency_key_reused",
            "Idempotency key reused",
            "this Idempotency-Key was already used for a different message",
        )


async def send_message(
    session: AsyncSession,
    settings: DispatchSettings,
    account_id: UUID,
    request: SendMessageRequest,
    idempotency_key: str | None = None,
    backlog: BacklogGate | None = None,
    senders: "SenderGate | None" = None,
    held: bool = False,
    trial: bool = False,
    window: SendingWindow | None = None,
    tariffs: TariffGate | None = None,
    destinations: DestinationGate | None = None,
) -> tuple[Message, bool]:
    """Accept a message for sending. Returns it and whether it was created just now
    (False: a retry with the same Idempotency-Key, answered with the original). A `trial`
    account's message must go to a test range and fit in its daily cap.

    `held`: the content policy wants an operator to review it first, so it is stored
    `held` and `message.accepted` waits for the approval (content.reviews)."""
    if senders is not None and request.reply_to is None:
        # The account's default when none is named; a name it may not use is refused. A
        # reply goes from the number the handset wrote to, which is the account's already.
        sender = await senders.sender_for(session, account_id, request.sender)
        request = request.model_copy(update={"sender": sender})
    phone, message = _new_message(settings, account_id, request, idempotency_key, window)
    if held:
        message.status = "held"  # and, if scheduled, still its parts wait for send_at
    if backlog is not None:
        await backlog.refresh(session)  # before this request writes anything it would see
    # Written first, so that the usual request, a new message, costs no lookup; a retry
    # carrying a key already used writes nothing and is answered with the original.
    if not await repository.insert_new(session, message):
        assert idempotency_key is not None, "only the idempotency key can collide"
        original = await repository.get_by_idempotency_key(session, account_id, idempotency_key)
        assert original is not None, "the conflicting message is committed"
        return _replayed(original, message), False
    # After the replay check: a retry of a message accepted before the opt-out is still
    # answered with it. A refusal rolls the message back with the request.
    await consent.check(session, account_id, message.to_number, request.purpose)
    if destinations is not None:
        # Toll fraud: a refusal rolls the message back with the request.
        await destinations.load_account(session, account_id)
        destinations.check(account_id, phone)
    if trial:
        # After the replay check, so a replay is answered as one and counts nothing; a
        # refusal rolls the message back with the request.
        trial_caps.check_destinations(settings, [message.to_number])
        await trial_caps.count(session, settings, account_id, 1)
    if tariffs is not None:
        # After the replay check, so a replay is answered with the original; a refusal
        # rolls the message back with the request.
        await tariffs.check(session, account_id, message.to_number)
    if backlog is not None and message.send_at is None:
        # After the replay check: a retry of an accepted message adds nothing to the
        # backlog. A refusal rolls the message back with the request. A scheduled one
        # joins the backlog when it is released.
        backlog.take(account_id, message.segments)
    if message.segments > 1:
        # Only now that it is known not to be a replay: a replay must not use up one.
        message.concat_reference = await repository.next_concat_reference(
            session, message.to_number
        )
        await repository.set_concat_reference(session, message)
    if message.status == "accepted":  # not held for review, not scheduled for later
        add_event(session, Outbox, accepted_event(message, phone.region))
    metrics.accepted(session, [(message.encoding, message.segments)])
    return message, True


def accepted_event(message: Message, country_code: str | None) -> MessageAccepted:
    return MessageAccepted(
        account_id=message.account_id,
        message_id=message.id,
        to=message.to_number,
        sender=message.sender,
        encoding=message.encoding,
        segments=message.segments,
        country_code=country_code,
        callback_url=message.callback_url,
    )


@dataclass(frozen=True, slots=True)
class CheckedMessage:
    """A request that passed every rule of intake, ready to be stored."""

    phone: PhoneNumber
    sender: str
    split: SegmentedText


def check_message(settings: DispatchSettings, request: SendMessageRequest) -> CheckedMessage:
    """The rules every message meets, single or in a batch; raises the problem to answer."""
    try:
        phone = parse_phone_number(request.recipient())
    except InvalidPhoneNumber as exc:
        raise InvalidPhoneNumberProblem(str(exc)) from exc
    try:
        sender = parse_sender(request.sender) if request.sender is not None else None
    except InvalidSender as exc:
        raise InvalidSenderProblem(str(exc)) from exc
    check_callback_url(settings, request.callback_url)
    split = segment(request.rendered_text())
    if split.segments > settings.max_segments:
        raise MessageTooLong(split.segments, settings.max_segments)
    return CheckedMessage(phone, sender or settings.default_sender, split)


def _new_message(
    settings: DispatchSettings,
    account_id: UUID,
    request: SendMessageRequest,
    idempotency_key: str | None,
    window: SendingWindow | None = None,
) -> tuple[PhoneNumber, Message]:
    checked = check_message(settings, request)
    split = checked.split
    now = utcnow()
    send_at = held_until(window, checked.phone, due_time(request.send_at, now), now)
    message = Message(
        id=uuid4(),
        account_id=account_id,
        to_number=checked.phone.e164,
        sender=checked.sender,
        text=request.rendered_text(),
        encoding=split.encoding,
        segments=split.segments,
        purpose=request.purpose,
        # A single part carries no UDH; a long message gets its own once it is written.
        concat_reference=0,
        status="accepted" if send_at is None else "scheduled",
        send_at=send_at,
        validity_period=request.validity_period,
        idempotency_key=idempotency_key,
        callback_url=request.callback_url,
        created_at=now,
        updated_at=now,
        parts=[
            MessagePart(
                part_index=index, text=text, status="pending" if send_at is None else "scheduled"
            )
            for index, text in enumerate(split.parts, start=1)
        ],
    )
    return checked.phone, message


def _replayed(original: Message, retry: Message) -> Message:
    # Answering a different request with the original message would hide a client bug
    # (a key reused across messages) behind a success.
    sent = (original.to_number, original.sender, original.text)
    if sent != (retry.to_number, retry.sender, retry.text):
        raise IdempotencyKeyReused()
    return original


class InvalidFilter(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_filter", "Invalid filter", detail)


async def get_message(session: AsyncSession, account_id: UUID, message_id: UUID) -> Message:
    """The message, its parts and their histories."""
    message = await repository.get_for_account(session, account_id, message_id)
    if message is None:
        # The same answer for "doesn't exist" and "another account's": ids don't leak.
        raise NotFound("Message")
    return message


def message_filters(
    status: MessageStatus | None = None,
    to: str | None = None,
    sender: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    batch_id: UUID | None = None,
) -> repository.MessageFilters:
    """The listing's filters as stored: `to` in E.164 as intake writes it."""
    if created_from is not None and created_to is not None and created_from > created_to:
        raise InvalidFilter("`created_from` is after `created_to`")
    try:
        to_number = parse_phone_number(to).e164 if to is not None else None
    except InvalidPhoneNumber as exc:
        raise InvalidFilter(f"`to`: {exc}") from exc
    return repository.MessageFilters(status, to_number, sender, created_from, created_to, batch_id)


async def list_messages(
    session: AsyncSession,
    account_id: UUID,
    filters: repository.MessageFilters,
    limit: int,
    cursor: str | None = None,
) -> tuple[Sequence[Message], str | None]:
    """A page of the account's messages and the cursor of the next (None on the last)."""
    after = decode_cursor(cursor) if cursor else None
    messages = await repository.list_for_account(session, account_id, filters, limit + 1, after)
    if len(messages) <= limit:
        return messages, None
    last = messages[limit - 1]
    return messages[:limit], encode_cursor(last.created_at, last.id)

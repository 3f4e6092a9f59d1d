"""Which deliver_sm PDUs are delivery receipts, and what they say.

Pure, no I/O: every SMSC quirk can be pinned down in a unit test. The TLVs
(receipted_message_id, message_state, network_error_code) are structured and win; the
Appendix B text `id:... sub:... dlvrd:... submit date:... done date:... stat:... err:...
text:...` is only a convention, so it is read tolerantly.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from dlr_service.receipts.ids import MAX_LENGTH
from dlr_service.receipts.states import (
    MessageState,
    final_status,
    state_from_stat,
    state_from_tlv,
)
from shared.events import DeliverSmReceived, PartStatus

# esm_class bits 2-5 are the message type (SMPP 3.4 §5.2.12).
_MESSAGE_TYPE_MASK = 0x3C
_UDHI = 0x40
SMSC_DELIVERY_RECEIPT = 0x04
SME_DELIVERY_ACKNOWLEDGEMENT = 0x08
INTERMEDIATE_NOTIFICATION = 0x20
_RECEIPT_TYPES = frozenset(
    {SMSC_DELIVERY_RECEIPT, SME_DELIVERY_ACKNOWLEDGEMENT, INTERMEDIATE_NOTIFICATION}
)

# A key starts a word and ends at a colon; spaces around it, case and `submit_date` vs
# `submit date` vary between SMSCs.
_KEY = re.compile(
    r"(?<!\w)(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:", re.IGNORECASE
)
_DATE = re.compile(r"\d{10}(\d{2})?")
# `err:` is three digits by the book; a longer word is kept, cut to fit its column.
_ERROR_CODE_MAX = 32
_UCS2 = 0x08


def is_receipt(esm_class: int) -> bool:
    """A receipt or delivery notification rather than a mobile-originated SMS."""
    return (esm_class & _MESSAGE_TYPE_MASK) in _RECEIPT_TYPES


@dataclass(frozen=True)
class ReceiptText:
    """The Appendix B fields as written; any of them may be missing."""

    id: str | None = None
    sub: str | None = None
    dlvrd: str | None = None
    submit_date: datetime | None = None
    done_date: datetime | None = None
    stat: str | None = None
    err: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Receipt:
    smsc_message_id: str | None  # None: no id anywhere, the receipt can't be matched
    state: MessageState
    error_code: str | None
    done_at: datetime | None
    raw_text: str  # the text the fields were read from, kept with the record

    @property
    def status(self) -> PartStatus | None:
        return final_status(self.state)

    @property
    def intermediate(self) -> bool:
        return self.status is None


def parse_receipt_text(text: str) -> ReceiptText:
    values: dict[str, str] = {}
    matches = list(_KEY.finditer(text))
    for position, match in enumerate(matches):
        end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
        name = re.sub(r"[\s_]", "", match.group(1).lower())
        if name == "text":
            # The free text comes last and may itself contain "key:" pairs: take the rest.
            values.setdefault(name, text[match.end() :].strip())
            break
        values.setdefault(name, text[match.end() : end].strip())
    return ReceiptText(
        id=_word(values.get("id")),
        sub=_word(values.get("sub")),
        dlvrd=_word(values.get("dlvrd")),
        submit_date=_date(values.get("submitdate")),
        done_date=_date(values.get("donedate")),
        stat=_word(values.get("stat")),
        err=(_word(values.get("err")) or "")[:_ERROR_CODE_MAX] or None,
        text=values.get("text"),
    )


def parse_receipt(event: DeliverSmReceived) -> Receipt:
    text = receipt_text(event)
    fields = parse_receipt_text(text)
    return Receipt(
        smsc_message_id=_message_id(event.receipted_message_id) or _message_id(fields.id),
        state=_state(event, fields),
        error_code=_network_error_code(event.network_error_code_hex) or fields.err,
        done_at=fields.done_date,
        raw_text=text,
    )


def receipt_text(event: DeliverSmReceived) -> str:
    """The receipt's text read from the PDU's bytes, not from dispatch's decoding of them.

    Appendix B text is ASCII whatever data_coding says, but decoded as GSM 03.38 (data_coding
    0) an `_` (0x5F) becomes `§`, which breaks ids like `abc_123` and `submit_date`. Latin-1
    maps every byte to itself; only a UCS-2 receipt is read as UCS-2. The decoded text is the
    fallback when the bytes are missing (a payload that came in a TLV dispatch didn't pass on).
    """
    try:
        raw = bytes.fromhex(event.short_message_hex)
    except ValueError:
        raw = b""
    if raw and event.esm_class & _UDHI:
        raw = raw[1 + raw[0] :]  # a receipt rarely has a UDH, but its length byte says how long
    if not raw:
        return event.text
    ucs2 = event.data_coding == _UCS2
    text = raw.decode("utf-16-be", "replace") if ucs2 else raw.decode("latin-1")
    # Some SMSCs send the C string's terminating NUL along; it would stick to the last word.
    return text.replace("\x00", " ")


def _state(event: DeliverSmReceived, fields: ReceiptText) -> MessageState:
    tlv, text = state_from_tlv(event.message_state), state_from_stat(fields.stat)
    # An UNKNOWN in the TLV is the SMSC saying it can't tell: a known `stat:` says more, and
    # taking the UNKNOWN would end the part as unknown although the receipt says otherwise.
    if tlv is MessageState.UNKNOWN and text is not None:
        return text
    state = tlv or text
    if state is not None:
        return state
    # No usable state at all: a notification that says it is intermediate must not be
    # taken for a final verdict; anything else is final with an unknown outcome.
    if (event.esm_class & _MESSAGE_TYPE_MASK) == INTERMEDIATE_NOTIFICATION:
        return MessageState.ENROUTE
    return MessageState.UNKNOWN


def _message_id(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if 0 < len(value) <= MAX_LENGTH else None


def _network_error_code(hex_value: str | None) -> str | None:
    """network_error_code TLV: one octet network type, two octets error code.

    Written as three decimal digits, the way `err:` carries it, so consumers see one form.
    """
    try:
        raw = bytes.fromhex(hex_value or "")
    except ValueError:
        return None
    if len(raw) != 3:
        return None
    return f"{int.from_bytes(raw[1:], 'big'):03d}"


def _word(value: str | None) -> str | None:
    words = (value or "").split()
    return words[0] if words else None


def _date(value: str | None) -> datetime | None:
    """YYMMDDhhmm or YYMMDDhhmmss; SMSCs don't say their zone, UTC is the best guess."""
    word = _word(value)
    if word is None or not _DATE.fullmatch(word):
        return None
    try:
        parsed = datetime.strptime(word, "%y%m%d%H%M%S" if len(word) == 12 else "%y%m%d%H%M")
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC)

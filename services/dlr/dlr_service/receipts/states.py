"""SMPP 3.4 message states (§5.2.28) and what each means for a message part."""

from collections.abc import Collection
from enum import IntEnum

from shared.events import PartStatus


class MessageState(IntEnum):
    ENROUTE = 1
    DELIVERED = 2
    EXPIRED = 3
    DELETED = 4
    UNDELIVERABLE = 5
    ACCEPTED = 6
    UNKNOWN = 7
    REJECTED = 8


# The seven-letter `stat:` words of the receipt text (SMPP 3.4 Appendix B); the full state
# names are accepted too because some SMSCs write those instead.
_STAT_WORDS = {
    "DELIVRD": MessageState.DELIVERED,
    "UNDELIV": MessageState.UNDELIVERABLE,
    "ACCEPTD": MessageState.ACCEPTED,
    "REJECTD": MessageState.REJECTED,
}

# ENROUTE and ACCEPTED are absent: they are intermediate, the part's fate is still open.
# (SMPP 3.4 lists ACCEPTED as final, but SMSCs in the wild send ACCEPTD before DELIVRD.)
_FINAL_STATUS: dict[MessageState, PartStatus] = {
    MessageState.DELIVERED: "delivered",
    MessageState.EXPIRED: "expired",
    MessageState.DELETED: "undelivered",
    MessageState.UNDELIVERABLE: "undelivered",
    MessageState.REJECTED: "rejected",
    MessageState.UNKNOWN: "unknown",
}


def state_from_tlv(value: int | None) -> MessageState | None:
    try:
        return MessageState(value) if value is not None else None
    except ValueError:  # e.g. SMPP 5.0's SKIPPED (9): let the text have its say
        return None


def state_from_stat(word: str | None) -> MessageState | None:
    if not word:
        return None
    word = word.upper()
    return _STAT_WORDS.get(word) or MessageState.__members__.get(word)


def final_status(state: MessageState) -> PartStatus | None:
    """The part's final status, or None while the state is intermediate."""
    return _FINAL_STATUS.get(state)


def is_news(status: PartStatus, reported: Collection[str]) -> bool:
    """One report per part, except that "unknown" may be followed by a real outcome.

    A receipt whose state we couldn't read (or that says UNKNOWN) must not be the last word
    when the SMSC later sends a definite one; but a definite outcome is final, and a second
    one (a duplicate, or a contradicting receipt) changes nothing downstream.
    """
    if status == "unknown":
        return not reported
    return all(earlier == "unknown" for earlier in reported)

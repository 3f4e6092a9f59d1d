"""The message and part state machines: pure functions, no I/O.

Events arrive at least once and not always in order (a receipt can overtake a retried
submit, a redelivered event can replay an old status), so every transition goes through
`advance_*`, which only moves forward and never leaves a final state. Applying the same
status twice, or an older one late, is therefore a no-op rather than a regression.

One exception, and only between final states: a part that got its final status from the
receipt deadline (our guess that no receipt is coming) takes the outcome of a receipt
that arrives after all (the operator's word), once. See `advance_part(provisional=True)`.
"""

from collections.abc import Collection, Mapping
from typing import Literal, TypeVar, get_args

# "held": the content policy sent the message to an operator's review (a URL shortener);
# nothing is charged or sent until it is approved (then "accepted") or rejected.
# "scheduled": held until its `send_at`, then "accepted" (and only then charged), or
# "canceled" by the customer before that.
MessageStatus = Literal[
    "scheduled",
    "held",
    "accepted",
    "queued",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "rejected",
    "canceled",
]
# "pending": the part exists (the API lists it) but billing hasn't authorised it yet,
# so the SMPP worker must not pick it up.
PartStatus = Literal[
    "scheduled",
    "pending",
    "queued",
    "sent",
    "delivered",
    "undelivered",
    "expired",
    "rejected",
    "failed",
    "unknown",
    "canceled",
]

MESSAGE_STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)
PART_STATUSES: tuple[PartStatus, ...] = get_args(PartStatus)

MESSAGE_FINAL: frozenset[MessageStatus] = frozenset(
    {"delivered", "undelivered", "failed", "rejected", "canceled"}
)
PART_FINAL: frozenset[PartStatus] = frozenset(
    {"delivered", "undelivered", "expired", "rejected", "failed", "unknown", "canceled"}
)

_MESSAGE_NEXT: Mapping[MessageStatus, frozenset[MessageStatus]] = {
    # Only its time (or the customer, canceling) moves a message out of "scheduled".
    "scheduled": frozenset({"accepted", "canceled", "rejected"}),
    # Only an operator's review moves a message out of "held" (to "scheduled" when approved
    # before its send_at).
    "held": frozenset({"scheduled", "accepted", "rejected"}),
    # Only billing moves a message out of "accepted": nothing is sent before it is charged.
    "accepted": frozenset({"queued", "rejected"}),
    # Receipts may overtake the "sent" bookkeeping, so queued may jump straight to an outcome;
    # "rejected" is not among them: once authorised, a charge is never declined.
    "queued": frozenset({"sent", "delivered", "undelivered", "failed"}),
    "sent": frozenset({"delivered", "undelivered", "failed"}),
    **{final: frozenset() for final in MESSAGE_FINAL},
}

_PART_NEXT: Mapping[PartStatus, frozenset[PartStatus]] = {
    "scheduled": frozenset({"pending", "canceled", "rejected"}),
    # A declined charge ends a part before it was ever queued.
    "pending": frozenset({"queued", "rejected"}),
    "queued": frozenset[PartStatus]({"sent", *PART_FINAL}),
    "sent": PART_FINAL,
    **{final: frozenset() for final in PART_FINAL},
}

_S = TypeVar("_S", bound=str)


def _advance(graph: Mapping[_S, frozenset[_S]], current: _S, proposed: _S) -> _S:
    if current not in graph or proposed not in graph:
        # A status we don't know is a bug upstream; failing beats silently storing it.
        raise ValueError(f"unknown status transition {current!r} -> {proposed!r}")
    return proposed if proposed in graph[current] else current


def advance_message(
    current: MessageStatus, proposed: MessageStatus, *, revising: bool = False
) -> MessageStatus:
    """The message's status after `proposed` is applied: `proposed` if it moves forward,
    otherwise `current` unchanged.

    `revising`: a part's provisional outcome was just replaced by a real one, so a final
    message may take another final status (never an earlier one).
    """
    if revising and current in MESSAGE_FINAL and proposed in MESSAGE_FINAL:
        return proposed
    return _advance(_MESSAGE_NEXT, current, proposed)


def advance_part(
    current: PartStatus, proposed: PartStatus, *, provisional: bool = False
) -> PartStatus:
    """The part's status after `proposed` is applied: `proposed` if it moves forward,
    otherwise `current` unchanged.

    `provisional`: `current` is the receipt deadline's guess and `proposed` comes from a
    receipt, so a final `proposed` replaces a final `current`.
    """
    if provisional and current in PART_FINAL and proposed in PART_FINAL:
        return proposed
    return _advance(_PART_NEXT, current, proposed)


def aggregate(part_statuses: Collection[PartStatus]) -> MessageStatus:
    """The message status its parts add up to.

    A message is delivered only when every part is: a handset can't show half a
    concatenated SMS. Parts that ended any other way make it undelivered, except that a
    message whose parts all failed on our side (never accepted by the SMSC) is failed.
    """
    if not part_statuses:
        raise ValueError("a message has at least one part")
    if all(status == "delivered" for status in part_statuses):
        return "delivered"
    if all(status in PART_FINAL for status in part_statuses):
        return "failed" if all(status == "failed" for status in part_statuses) else "undelivered"
    if any(status == "sent" or status in PART_FINAL for status in part_statuses):
        return "sent"
    if all(status == "pending" for status in part_statuses):
        return "accepted"
    if all(status == "scheduled" for status in part_statuses):
        return "scheduled"
    return "queued"

"""Which submitted part a receipt belongs to. Pure, so every rule is pinned in a unit test.

A receipt names its part only by the SMSC's id, and ids are neither unique across SMSC links
nor for ever (SMSCs recycle them), nor always written in one form (see ids.py). So a part is
a candidate only if it went out on the receipt's link, within the time a receipt can take,
under one of the id's forms. The exact form beats the hex/decimal alternatives; parts that
remain equally good are returned as ambiguous instead of picking one.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dlr_service.receipts.ids import candidates
from dlr_service.receipts.models import SubmittedPart


@dataclass(frozen=True)
class MatchWindow:
    """When, relative to a receipt, its part may have been submitted."""

    before: timedelta  # a receipt can come days later, at the end of the validity period
    after: timedelta  # a receipt can overtake the submit response, by its round trip

    def admits(self, submitted_at: datetime, received_at: datetime) -> bool:
        return received_at - self.before <= submitted_at <= received_at + self.after


@dataclass(frozen=True)
class Match:
    part: SubmittedPart | None
    # Two or more parts that fit equally well; empty when there is one part or none.
    ambiguous: tuple[SubmittedPart, ...] = ()


def choose(
    receipt_id: str, parts: Sequence[SubmittedPart], received_at: datetime, window: MatchWindow
) -> Match:
    """The part the receipt belongs to, among `parts` of the receipt's link."""
    keys = candidates(receipt_id)
    fitting = [
        part
        for part in parts
        if part.smsc_key in keys and window.admits(part.submitted_at, received_at)
    ]
    exact = [part for part in fitting if part.smsc_key == keys[0]]
    best = exact or fitting
    if len(best) == 1:
        return Match(best[0])
    return Match(None, tuple(sorted(best, key=lambda part: part.submitted_at)))

"""Intake's figures for Prometheus, counted when the accepting transaction commits."""

from collections import Counter as Tally

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from shared.metrics.staged import count_after_commit

ACCEPTED = Counter("sms_messages_accepted_total", "Messages accepted at intake", ["encoding"])
PARTS_ACCEPTED = Counter(
    "sms_message_parts_accepted_total", "Parts of the messages accepted at intake", ["encoding"]
)


def accepted(session: AsyncSession, encodings_and_segments: list[tuple[str, int]]) -> None:
    messages, parts = Tally[str](), Tally[str]()
    for encoding, segments in encodings_and_segments:
        messages[encoding] += 1
        parts[encoding] += segments
    for encoding, count in messages.items():
        count_after_commit(session, ACCEPTED.labels(encoding), count)
        count_after_commit(session, PARTS_ACCEPTED.labels(encoding), parts[encoding])

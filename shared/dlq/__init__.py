"""Dead-letter topics: what a dead-lettered record carries, and the tools to inspect and
re-drive them (`python -m shared.dlq --help`).

A record goes to `<topic>.dlq` with its key, value and headers unchanged, plus headers that
say why (`error_code`, stable; `error`, for people), who gave up on it (`consumer`) and where
it came from (`source_topic`, `source_partition`, `source_offset`).
"""

from collections.abc import Iterable
from enum import StrEnum

from shared.events import utcnow


class ErrorCode(StrEnum):
    """Stable reasons in the `error_code` header; alerting and re-drive decisions key on them."""

    UNPARSEABLE = "unparseable"  # not JSON, not an object, no type, or fields missing/invalid
    UNKNOWN_TYPE = "unknown_type"  # a `type` no version of this code knows
    UNSUPPORTED_VERSION = "unsupported_version"  # newer than shared.events.SUPPORTED_VERSION
    POISON = "poison"  # the handler said it can never handle this event (PoisonEvent)
    HANDLER_FAILED = "handler_failed"  # the handler kept failing; retried max_attempts times


ERROR_CODE = "error_code"
ERROR = "error"
CONSUMER = "consumer"
FAILED_AT = "failed_at"
SOURCE_TOPIC = "source_topic"
SOURCE_PARTITION = "source_partition"
SOURCE_OFFSET = "source_offset"
REDRIVEN_AT = "redriven_at"
# A re-driven record is for the consumer that dead-lettered it; every other consumer group on
# the source topic skips it, so re-driving never relies on their inbox still holding its id.
REDRIVEN_FOR = "redriven_for"

# Replaced on every dead-lettering, and dropped on re-drive: they describe one failure.
FAILURE_HEADERS = frozenset(
    {ERROR_CODE, ERROR, CONSUMER, FAILED_AT, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET}
)

Headers = list[tuple[str, bytes]]


def dead_letter_headers(
    original: Iterable[tuple[str, bytes]],
    *,
    code: ErrorCode,
    error: str,
    consumer: str,
    topic: str,
    partition: int,
    offset: int,
) -> Headers:
    headers = [(key, bytes(value)) for key, value in original if key not in FAILURE_HEADERS]
    return [
        *headers,
        (ERROR_CODE, code.value.encode()),
        (ERROR, error[:1000].encode()),
        (CONSUMER, consumer.encode()),
        (FAILED_AT, utcnow().isoformat().encode()),
        (SOURCE_TOPIC, topic.encode()),
        (SOURCE_PARTITION, str(partition).encode()),
        (SOURCE_OFFSET, str(offset).encode()),
    ]


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    """The last value of header `name`, decoded; None when absent."""
    found = None
    for key, value in headers or ():
        if key == name:
            found = bytes(value).decode(errors="replace")
    return found

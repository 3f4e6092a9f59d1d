"""What the inbox makes of one Kafka record: an event to handle, someone else's event to
skip, or a record nobody can handle, with the reason it goes to the dead-letter topic."""

import json
from collections.abc import Collection

from pydantic import ValidationError

from shared.dlq import ErrorCode
from shared.events import EVENT_TYPES, SUPPORTED_VERSION, AnyEvent, parse_event


class Rejected(Exception):
    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def decode(
    value: bytes | None, header_type: str | None, handled: Collection[str]
) -> AnyEvent | None:
    """The event when this consumer handles its type; None for a known type it doesn't
    handle (topics carry several); raises Rejected when the record is not a usable event."""
    if header_type in EVENT_TYPES and header_type not in handled:
        return None  # someone else's: not worth parsing
    try:
        event = parse_event(value or b"")
    except ValidationError as exc:
        rejected = _diagnose(value or b"", exc, handled)
        if rejected is None:
            return None
        raise rejected from exc
    if event.version > SUPPORTED_VERSION:
        raise _too_new(event.version)
    return event if event.type in handled else None


def _diagnose(value: bytes, error: ValidationError, handled: Collection[str]) -> Rejected | None:
    # Only on the failure path: the common case is one validate_json, no second parse.
    try:
        data = json.loads(value)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        return Rejected(ErrorCode.UNPARSEABLE, f"not JSON: {exc}")
    if not isinstance(data, dict):
        return Rejected(ErrorCode.UNPARSEABLE, f"not a JSON object but {type(data).__name__}")
    event_type, version = data.get("type"), data.get("version", 1)
    if not isinstance(event_type, str):
        return Rejected(ErrorCode.UNPARSEABLE, "no event type")
    if event_type not in EVENT_TYPES:
        return Rejected(ErrorCode.UNKNOWN_TYPE, f"unknown event type {event_type!r}")
    # A newer version may well fail today's model: that is its version's fault, not a bug.
    if isinstance(version, int) and version > SUPPORTED_VERSION:
        return _too_new(version)
    if event_type not in handled:
        return None  # malformed, but for its own consumers to reject
    # Where and why only: pydantic's own text quotes the offending values (numbers, texts).
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    )
    return Rejected(ErrorCode.UNPARSEABLE, f"invalid {event_type}: {problems}")


def _too_new(version: int) -> Rejected:
    return Rejected(
        ErrorCode.UNSUPPORTED_VERSION,
        f"event version {version} is newer than supported version {SUPPORTED_VERSION}",
    )

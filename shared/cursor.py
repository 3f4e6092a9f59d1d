"""Opaque cursors for lists read newest first by (time, id): the audit and activity logs,
operators' account search, webhook attempts. A cursor is the last row's position, so the
next page starts right after it however many rows arrive meanwhile (keyset pagination).
"""

import base64
import binascii
import json
from datetime import UTC, datetime
from uuid import UUID

from shared.errors import ProblemError


class InvalidCursor(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invalid_cursor",
            "Invalid cursor",
            "Pass back the `next_cursor` of a previous page unchanged",
        )


def encode_cursor(at: datetime, row_id: UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The position a cursor names; InvalidCursor (422) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        position = datetime.fromisoformat(at)
        if position.tzinfo is None:
            raise ValueError("naive timestamp")
        return position.astimezone(UTC), UUID(row_id)
    # Whatever a client makes up: not base64, not JSON, not a pair of strings, a date
    # that leaves the calendar when moved to UTC.
    except (binascii.Error, AttributeError, OverflowError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc

"""The set-based writers of part history, for the paths that change many parts past the
ORM (intake, billing's verdicts, the connector's submit responses). The ORM's own path is
`Message._log`. Each adds one statement to its caller's transaction, whatever the count."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.history.models import MessagePartEvent
from dispatch_service.messages.models import MessagePart
from dispatch_service.messages.status import PartStatus

_EVENTS = cast(Table, MessagePartEvent.__table__)
# Every column a writer fills in, so that each row of an executemany has them all.
_DEFAULTS: dict[str, Any] = {"error_code": None, "smsc": None, "smsc_message_id": None}


async def add(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of `message_id, part_index, account_id, status, occurred_at` and, optionally,
    `error_code, smsc, smsc_message_id`: one multi-row INSERT."""
    if rows:
        await session.execute(insert(_EVENTS), [_DEFAULTS | row for row in rows])


async def add_moved(
    session: AsyncSession,
    account_id: UUID,
    message_ids: Collection[UUID],
    status: PartStatus,
    at: datetime,
    error_code: str | None = None,
) -> None:
    """Every part of these messages just moved to `status` (billing's verdict): one
    INSERT ... SELECT, so the parts never travel to us and back."""
    if not message_ids:
        return
    parts = select(
        MessagePart.message_id,
        MessagePart.part_index,
        # Typed: PostgreSQL can't infer a parameter's type from a SELECT list.
        literal(account_id, _EVENTS.c.account_id.type),
        literal(status, _EVENTS.c.status.type),
        literal(error_code, _EVENTS.c.error_code.type),
        literal(at, _EVENTS.c.occurred_at.type),
    ).where(MessagePart.message_id.in_(sorted(message_ids)), MessagePart.status == status)
    columns = ["message_id", "part_index", "account_id", "status", "error_code", "occurred_at"]
    await session.execute(insert(_EVENTS).from_select(columns, parts))

"""A service's part of a privacy export (issue 11 item 5): rows streamed as JSON lines, one
`{"table": ..., "row": {...}}` per row, read through a server-side cursor so that an account
with millions of messages is never held in memory, here or in the caller."""

import json
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from uuid import UUID

from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import StreamingResponse

NDJSON = "application/x-ndjson"
_ROWS_PER_FETCH = 500


MAX_MESSAGE_IDS = 1000


class ExportPartRequest(BaseModel):
    """What the orchestrator (contacts) asks each service for."""

    account_id: UUID
    phone: str | None = Field(default=None, description="E.164; null: the whole account")
    # Rows kept by message, not by number (dlr's receipts): the number's messages, as
    # dispatch exported them, asked for in chunks.
    message_ids: list[UUID] = Field(default_factory=list, max_length=MAX_MESSAGE_IDS)
    # Only these of the service's tables (null: all): the chunks of message ids after the
    # first ask for the rows kept by message only.
    tables: list[str] | None = None


@dataclass(frozen=True, slots=True)
class ExportQuery:
    table: str  # the name the row is filed under in the archive
    statement: Select[tuple[object, ...]]  # plain columns, already limited to one account


async def export_lines(
    sessionmaker: async_sessionmaker[AsyncSession],
    queries: Sequence[ExportQuery],
    request_tables: Collection[str] | None = None,
) -> AsyncIterator[bytes]:
    # A session of its own: the response streams after the request's session is gone.
    async with sessionmaker() as session:
        for query in queries:
            if request_tables is not None and query.table not in request_tables:
                continue
            result = await session.stream(
                query.statement.execution_options(yield_per=_ROWS_PER_FETCH)
            )
            async for row in result.mappings():
                line = {"table": query.table, "row": to_jsonable_python(dict(row))}
                yield json.dumps(line, ensure_ascii=False).encode() + b"\n"


def export_response(
    sessionmaker: async_sessionmaker[AsyncSession],
    queries: Sequence[ExportQuery],
    request_tables: Collection[str] | None = None,
) -> StreamingResponse:
    return StreamingResponse(export_lines(sessionmaker, queries, request_tables), media_type=NDJSON)


EXPORT_RESPONSE_DOC = {
    "description": 'One `{"table": ..., "row": {...}}` JSON object per line',
    "content": {NDJSON: {}},
}

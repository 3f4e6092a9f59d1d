"""Gathering an export's rows into one spool file per table, from this service's database
and from dispatch's and dlr's internal export routes (JSON lines, streamed)."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.privacy import repository
from shared.export_stream import MAX_MESSAGE_IDS, ExportPartRequest, export_lines
from shared.internal import INTERNAL_TOKEN_HEADER


class PartUnavailable(Exception):
    """A service whose part is needed is not configured or did not answer: the export fails
    rather than handing out an archive with a part silently missing."""


class Spool:
    """One JSON-lines file per table under `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, IO[str]] = {}
        self.rows = 0
        self.message_ids: list[UUID] = []

    def add(self, line: bytes) -> None:
        item: dict[str, Any] = json.loads(line)
        table, row = item["table"], item["row"]
        if table not in self.files:
            self.files[table] = (self.directory / f"{table}.jsonl").open("w", encoding="utf-8")
        self.files[table].write(json.dumps(row, ensure_ascii=False) + "\n")
        self.rows += 1
        if table == "messages":
            self.message_ids.append(UUID(row["id"]))

    def close(self) -> dict[str, Path]:
        for file in self.files.values():
            file.close()
        return {table: Path(file.name) for table, file in self.files.items()}


async def own_part(
    sessionmaker: async_sessionmaker[AsyncSession],
    account_id: UUID,
    phone: str | None,
    spool: Spool,
) -> None:
    async for line in export_lines(sessionmaker, repository.export_queries(account_id, phone)):
        spool.add(line)


Fetch = Callable[[str, ExportPartRequest], Awaitable[None]]


def fetcher(client: httpx.AsyncClient, token: str, spool: Spool) -> Fetch:
    async def fetch(base_url: str, request: ExportPartRequest) -> None:
        try:
            async with client.stream(
                "POST",
                f"{base_url}/internal/v1/privacy/export",
                content=request.model_dump_json(),
                headers={INTERNAL_TOKEN_HEADER: token, "Content-Type": "application/json"},
            ) as response:
                response.raise_for_status()
                async for line in _lines(response.aiter_lines()):
                    spool.add(line)
        except httpx.HTTPError as exc:
            raise PartUnavailable(f"{base_url} did not give its part: {exc!r}") from exc

    return fetch


async def _lines(lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
    async for line in lines:
        if line.strip():
            yield line.encode()


async def remote_parts(
    fetch: Fetch,
    dispatch_url: str | None,
    dlr_url: str | None,
    account_id: UUID,
    phone: str | None,
    spool: Spool,
) -> None:
    if dispatch_url is None or dlr_url is None:
        raise PartUnavailable("dispatch's and dlr's URLs must be configured for exports")
    await fetch(dispatch_url, ExportPartRequest(account_id=account_id, phone=phone))
    # dlr keeps receipts by message: the number's messages, as dispatch just listed them,
    # in chunks the request's size limit allows; the whole account needs no list.
    await fetch(dlr_url, ExportPartRequest(account_id=account_id, phone=phone))
    if phone is None:
        return
    ids = spool.message_ids
    for start in range(0, len(ids), MAX_MESSAGE_IDS):
        chunk = ids[start : start + MAX_MESSAGE_IDS]
        await fetch(
            dlr_url,
            ExportPartRequest(
                account_id=account_id, phone=phone, message_ids=chunk, tables=["receipts"]
            ),
        )

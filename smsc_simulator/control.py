"""HTTP JSON control API on 127.0.0.1 (--control-port): what was submitted, counters, faults.

A deliberately tiny HTTP/1.1 server on the simulator's own event loop (one request per
connection), so the SMPP side and the API see the same state without locks:

    GET  /submits?since=K   every submit_sm received with index >= K
    GET  /stats             counters
    GET  /faults            the active fault state
    POST /faults            apply a fault (JSON body, see faults.FaultRequest)
    POST /mo                a handset's SMS to the ESME: {"source", "destination", "text",
                            "concatenation": null|"udh8"|"udh16"|"sar", "reference",
                            "skip_parts": [n, ...], "reverse": bool} -> {"sent", "parts"}
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, Field, ValidationError

from .faults import FaultError, FaultRequest
from .messages import Concatenation

if TYPE_CHECKING:
    from .server import SmscSimulator

logger = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024
READ_TIMEOUT = 10.0


class MobileOriginated(BaseModel):
    source: str = Field(min_length=1, max_length=21)
    destination: str = Field(min_length=1, max_length=21)
    text: str = Field(min_length=1, max_length=1600)
    # None: one deliver_sm (a long text in message_payload); else parts with a UDH or SAR TLVs.
    concatenation: Concatenation | None = None
    reference: int = Field(default=1, ge=0, le=0xFFFF)
    skip_parts: frozenset[int] = frozenset()  # parts (1-based) the network "lost"
    reverse: bool = False  # parts arrive last first


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class ControlServer:
    def __init__(self, sim: SmscSimulator) -> None:
        self.sim = sim
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                method, target, body = await asyncio.wait_for(_read_request(reader), READ_TIMEOUT)
                status, payload = HTTPStatus.OK, await self._route(method, target, body)
            except HttpError as exc:
                status, payload = exc.status, {"error": exc.detail}
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
                raise
            except Exception as exc:
                # A simulator bug must show up in the fault suite as a 500, not a hung request.
                logger.exception("control request failed")
                status, payload = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": repr(exc)}
            data = json.dumps(payload).encode()
            writer.write(
                f"HTTP/1.1 {status.value} {status.phrase}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError) as exc:
            logger.info("control request failed: %r", exc)
        finally:
            writer.close()

    async def _route(self, method: str, target: str, body: bytes) -> Any:
        url = urlsplit(target)
        query = parse_qs(url.query)
        if (method, url.path) == ("GET", "/submits"):
            try:
                since = int(query.get("since", ["0"])[0])
            except ValueError as exc:
                raise HttpError(HTTPStatus.BAD_REQUEST, "since must be an integer") from exc
            return self.sim.journal.since(since)
        if (method, url.path) == ("GET", "/stats"):
            return self.sim.stats()
        if (method, url.path) == ("GET", "/faults"):
            return self.sim.faults.snapshot()
        if (method, url.path) == ("POST", "/faults"):
            try:
                request = FaultRequest.model_validate_json(body or b"{}")
                return await self.sim.apply_faults(request)
            except (ValidationError, FaultError) as exc:
                raise HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from exc
        if (method, url.path) == ("POST", "/mo"):
            try:
                mo = MobileOriginated.model_validate_json(body or b"{}")
                parts = await self.sim.inject_mo(
                    mo.source,
                    mo.destination,
                    mo.text,
                    mo.concatenation,
                    mo.reference,
                    mo.skip_parts,
                    mo.reverse,
                )
            except ValidationError as exc:
                raise HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from exc
            except RuntimeError as exc:  # nobody bound to receive it
                raise HttpError(HTTPStatus.CONFLICT, str(exc)) from exc
            return {"sent": True, "parts": parts}
        if url.path in ("/submits", "/stats", "/faults", "/mo"):
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed on {url.path}")
        raise HttpError(HTTPStatus.NOT_FOUND, f"no such resource {url.path}")


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as exc:
        raise HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers too large") from exc
    if len(head) > MAX_HEAD:
        raise HttpError(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers too large")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise HttpError(HTTPStatus.BAD_REQUEST, "malformed request line")
    headers = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, "bad Content-Length") from exc
    if not 0 <= length <= MAX_BODY:
        raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
    body = await reader.readexactly(length) if length else b""
    return parts[0].upper(), parts[1], body

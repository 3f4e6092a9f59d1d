"""One ESME connection: bind state machine and per-PDU handling."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from smpplib import consts
from smpplib.command import Command
from smpplib.exceptions import UnknownCommandError

from .codec import (
    FramingError,
    SequenceCounter,
    encode,
    header,
    is_response,
    parse,
    read_frame,
    text_field,
)

if TYPE_CHECKING:
    from .server import SmscSimulator

logger = logging.getLogger(__name__)

# Drain only when this much is queued: awaiting drain per PDU would cap pipelined throughput.
DRAIN_THRESHOLD = 256 * 1024
RECEIVING_MODES = frozenset({"receiver", "transceiver"})


class Session:
    def __init__(
        self, sim: SmscSimulator, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.sim = sim
        self.reader = reader
        self.writer = writer
        self.counter = SequenceCounter()
        self.mode: str | None = None  # "transmitter" | "receiver" | "transceiver" once bound
        self.system_id = ""
        self.peer = writer.get_extra_info("peername")

    @property
    def alive(self) -> bool:
        return not self.writer.is_closing()

    @property
    def can_receive(self) -> bool:
        return self.mode in RECEIVING_MODES and self.alive

    def send(self, data: bytes) -> bool:
        if not self.alive:
            return False
        self.writer.write(data)
        return True

    def abort(self) -> None:
        """Drop the TCP connection without unbind, the way a crashing SMSC would."""
        self.mode = None
        self.writer.transport.abort()

    async def run(self) -> None:
        try:
            while True:
                frame = await read_frame(self.reader)
                if frame is None or not self._handle(frame):
                    break
                if self.writer.transport.get_write_buffer_size() > DRAIN_THRESHOLD:
                    await self.writer.drain()
        except (FramingError, ConnectionError) as exc:
            logger.info("session %s dropped: %s", self.peer, exc)
        except Exception:
            # A simulator bug (or a bad run-time config value) must not die silently in a task.
            logger.exception("session %s failed", self.peer)
        finally:
            self.mode = None
            self.sim._forget(self)
            self.writer.close()

    def _reply(self, request: str, sequence: int, status: int, **fields: Any) -> None:
        try:
            data = encode(f"{request}_resp", self.counter, sequence, status=status, **fields)
        except UnknownCommandError:
            # smpplib has no *_resp class for this request (e.g. cancel_sm): nack it instead.
            data = encode("generic_nack", self.counter, sequence, status=status)
        self.send(data)

    def _handle(self, frame: bytes) -> bool:
        """Process one PDU; False means the connection must close."""
        command_id, status, sequence = header(frame)
        if is_response(command_id):
            # deliver_sm_resp / enquire_link_resp: nothing here waits on them.
            if status != consts.SMPP_ESME_ROK:
                logger.info(
                    "peer answered 0x%08X seq %d with status 0x%X", command_id, sequence, status
                )
            return True
        try:
            pdu = parse(frame)
        except UnknownCommandError:
            nack = encode("generic_nack", self.counter, sequence, status=consts.SMPP_ESME_RINVCMDID)
            self.send(nack)
            return True
        except Exception:
            logger.warning("unparseable PDU 0x%08X from %s", command_id, self.peer, exc_info=True)
            self.send(
                encode("generic_nack", self.counter, sequence, status=consts.SMPP_ESME_RSYSERR)
            )
            return True
        name: str = pdu.command
        if name.startswith("bind_"):
            return self._on_bind(pdu)
        if self.mode is None:
            self._reply(name, sequence, consts.SMPP_ESME_RINVBNDSTS)
            return True
        if name == "submit_sm":
            self._on_submit(pdu)
        elif name == "enquire_link":
            self._reply(name, sequence, consts.SMPP_ESME_ROK)
        elif name == "unbind":
            self._reply(name, sequence, consts.SMPP_ESME_ROK)
            return False
        else:
            self._reply(name, sequence, consts.SMPP_ESME_RINVCMDID)
        return True

    def _on_bind(self, pdu: Command) -> bool:
        name: str = pdu.command
        if self.mode is not None:
            self._reply(name, pdu.sequence, consts.SMPP_ESME_RALYBND)
            return True
        config = self.sim.config
        system_id, password = text_field(pdu.system_id), text_field(pdu.password)
        if (system_id, password) != (config.system_id, config.password):
            logger.warning("bind refused for system_id %r from %s", system_id, self.peer)
            self._reply(name, pdu.sequence, consts.SMPP_ESME_RBINDFAIL)
            return False
        self._reply(
            name,
            pdu.sequence,
            consts.SMPP_ESME_ROK,
            system_id=config.system_id,
            sc_interface_version=consts.SMPP_VERSION_34,
        )
        self.mode, self.system_id = name.removeprefix("bind_"), system_id
        logger.info("%s bound as %s", self.peer, self.mode)
        self.sim._on_bound(self)
        return True

    def _on_submit(self, pdu: Command) -> None:
        if self.mode == "receiver":
            self._reply("submit_sm", pdu.sequence, consts.SMPP_ESME_RINVBNDSTS)
            return
        msg = self.sim._accept_submit(pdu, self)
        resp = encode("submit_sm_resp", self.counter, pdu.sequence, message_id=msg.message_id)
        if self.sim.config.receipt_before_response and msg.wants_receipt:
            self.sim._send_receipt(msg, self)
        elif msg.wants_receipt:
            self.sim._schedule_receipt(msg, self)
        self.send(resp)

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
    InvalidLength,
    SequenceCounter,
    encode,
    header,
    header_only,
    is_response,
    parse,
    read_frame,
    text_field,
)
from .layout import MalformedBody, check_body

if TYPE_CHECKING:
    from .journal import SubmitRecord
    from .receipts import Delivery
    from .server import SmscSimulator

logger = logging.getLogger(__name__)

# Drain only when this much is queued: awaiting drain per PDU would cap pipelined throughput.
DRAIN_THRESHOLD = 256 * 1024
RECEIVING_MODES = frozenset({"receiver", "transceiver"})
SUBMIT_SM_RESP = 0x80000004


class Session:
    def __init__(
        self,
        sim: SmscSimulator,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        session_id: int = 0,
    ) -> None:
        self.sim = sim
        self.reader = reader
        self.writer = writer
        self.id = session_id
        self.counter = SequenceCounter()
        self.mode: str | None = None  # "transmitter" | "receiver" | "transceiver" once bound
        self.system_id = ""
        self.peer = writer.get_extra_info("peername")
        # Receipts written on this connection and not yet answered, by deliver_sm sequence.
        self.outstanding: dict[int, Delivery] = {}
        # submit_sm waiting out the response delay, each on its own task.
        self._answering: set[asyncio.Task[None]] = set()
        self._unbind_sequence: int | None = None
        self._unbound = False

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
                if frame is None or not self._handle_safely(frame):
                    break
                if self.writer.transport.get_write_buffer_size() > DRAIN_THRESHOLD:
                    await self.writer.drain()
            await self._finish_unbind()
        except InvalidLength as exc:
            # The stream cannot be re-synchronised: say why (sequence unknown), then hang up.
            logger.info("session %s: %s", self.peer, exc)
            self._nack(0, consts.SMPP_ESME_RINVCMDLEN)
        except (FramingError, ConnectionError) as exc:
            logger.info("session %s dropped: %s", self.peer, exc)
        except Exception:
            # A simulator bug (or a bad run-time config value) must not die silently in a task.
            logger.exception("session %s failed", self.peer)
        finally:
            for task in self._answering:
                task.cancel()  # a dropped connection: those submits are never answered
            self.mode = None
            self.sim._closed(self, self._unbound)
            self.writer.close()

    def _nack(self, sequence: int, status: int) -> None:
        if self.sim.faults.silent():
            return
        self.sim.journal.generic_nacks += 1
        self.send(encode("generic_nack", self.counter, sequence, status=status))

    def _reply(self, request: str, sequence: int, status: int, **fields: Any) -> None:
        try:
            data = encode(f"{request}_resp", self.counter, sequence, status=status, **fields)
        except UnknownCommandError:
            # smpplib has no *_resp class for this request (e.g. cancel_sm): nack it instead.
            self._nack(sequence, status)
            return
        self.send(data)

    def _handle_safely(self, frame: bytes) -> bool:
        """One bad PDU costs a generic_nack, never the session (nor any other session)."""
        try:
            return self._handle(frame)
        except Exception:
            logger.exception("PDU from %s could not be handled", self.peer)
            self._nack(header(frame)[2], consts.SMPP_ESME_RSYSERR)
            return True

    def _decode(self, frame: bytes) -> Command | None:
        """The parsed request, or None once it has been answered with a generic_nack."""
        command_id, _, sequence = header(frame)
        try:
            check_body(command_id, frame)
            return parse(frame)
        except UnknownCommandError:
            self._nack(sequence, consts.SMPP_ESME_RINVCMDID)
        except MalformedBody as exc:
            logger.info("malformed PDU 0x%08X from %s: %s", command_id, self.peer, exc)
            self._nack(sequence, consts.SMPP_ESME_RINVCMDLEN)
        except Exception:
            logger.warning("unparseable PDU 0x%08X from %s", command_id, self.peer, exc_info=True)
            self._nack(sequence, consts.SMPP_ESME_RSYSERR)
        return None

    def _handle(self, frame: bytes) -> bool:
        """Process one PDU; False means the connection must close."""
        command_id, status, sequence = header(frame)
        if is_response(command_id):
            if status != consts.SMPP_ESME_ROK:
                logger.info(
                    "peer answered 0x%08X seq %d with status 0x%X", command_id, sequence, status
                )
            self.sim.receipts.on_response(self, command_id, status, sequence)
            return True
        pdu = self._decode(frame)
        if pdu is None:
            return True
        name: str = pdu.command
        if self.sim.faults.silent():
            # A hung SMSC: it reads but answers nothing; what it was sent is still recorded.
            if name == "submit_sm":
                self.sim.record(pdu, self)
            return True
        if name.startswith("bind_"):
            return self._on_bind(pdu)
        if name == "submit_sm":
            self._on_submit(pdu)
        elif self.mode is None:
            self._reply(name, sequence, consts.SMPP_ESME_RINVBNDSTS)
        elif name == "enquire_link":
            self._reply(name, sequence, consts.SMPP_ESME_ROK)
        elif name == "unbind":
            self._unbind_sequence = sequence  # answered by run() once every submit is
            self._unbound = True
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
            self._unbound = True  # refused, not dropped
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

    def _refuse_submit(self, sequence: int, status: int, record: SubmitRecord) -> None:
        self.sim.journal.answered(record, status)
        self.send(header_only(SUBMIT_SM_RESP, status, sequence))

    async def _finish_unbind(self) -> None:
        """Answer an unbind after the submits still waiting out the response delay."""
        if self._unbind_sequence is None:
            return
        if self._answering:
            await asyncio.wait(list(self._answering))
        self._reply("unbind", self._unbind_sequence, consts.SMPP_ESME_ROK)

    def _on_submit(self, pdu: Command) -> None:
        record = self.sim.record(pdu, self)
        delay = self.sim.faults.response_delay
        if delay <= 0:
            self._answer_submit(pdu, record)
            return
        # One task per submit, not a queue: submits pipelined in a window are each answered
        # `delay` after they arrived, as by an SMSC with that latency, and reading goes on.
        task = asyncio.create_task(self._answer_later(pdu, record, delay))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer_later(self, pdu: Command, record: SubmitRecord, delay: float) -> None:
        await asyncio.sleep(delay)
        if not self.alive or self.sim.faults.silent():
            return  # as at arrival: a silent SMSC records the submit and answers nothing
        try:
            self._answer_submit(pdu, record)
        except Exception:
            logger.exception("submit_sm from %s could not be answered", self.peer)
            self._nack(pdu.sequence, consts.SMPP_ESME_RSYSERR)

    def _answer_submit(self, pdu: Command, record: SubmitRecord) -> None:
        if self.mode not in ("transmitter", "transceiver"):
            self._refuse_submit(pdu.sequence, consts.SMPP_ESME_RINVBNDSTS, record)
            return
        error = self.sim.faults.submit_error()
        if error is not None:
            self._refuse_submit(pdu.sequence, error, record)
            return
        msg = self.sim._accept_submit(pdu, self)
        self.sim.journal.answered(record, consts.SMPP_ESME_ROK, msg.message_id)
        resp = encode("submit_sm_resp", self.counter, pdu.sequence, message_id=msg.message_id)
        mode = self.sim.faults.receipt_mode()
        if msg.wants_receipt:
            # before_response writes the deliver_sm here, ahead of the resp below.
            self.sim.receipts.submitted(msg, record, self, mode)
        self.send(resp)

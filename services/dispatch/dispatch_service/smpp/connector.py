"""Moves queued message parts to the SMSC and brings back what the SMSC says.

The database is the queue: parts become `queued` when billing authorises the charge, and
the connector claims them from there. So a restart or a dropped connection loses nothing:
a part without a recorded submit_sm_resp is still `queued` and is simply sent again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar
from uuid import UUID

from smpplib import consts
from smpplib.command import Command
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.messages import repository
from dispatch_service.smpp.session import SessionClosed, SmppSession
from dispatch_service.smpp.submission import decode_short_message, submit_sm_fields
from dispatch_service.smpp.wire import text_field
from shared.events import DeliverSmReceived, MessagePartSubmitted
from shared.outbox import add_event
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

PartKey = tuple[UUID, int]
# The SMSC is overloaded rather than refusing the message: try the part again later.
RETRYABLE_STATUSES = {consts.SMPP_ESME_RTHROTTLED, consts.SMPP_ESME_RMSGQFUL}
RETRY_AFTER_SECONDS = 1.0
MAX_BATCH = 500
IDLE_POLL_MIN_SECONDS, IDLE_POLL_MAX_SECONDS = 0.02, 0.2

T = TypeVar("T")
_Work = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class SubmitOutcome:
    part: repository.PartToSend
    response: Command


@dataclass(frozen=True)
class Delivery:
    session: SmppSession
    pdu: Command


class Connector:
    def __init__(self, settings: DispatchSettings, runtime: ServiceRuntime) -> None:
        self._settings = settings
        self._runtime = runtime
        self._session: SmppSession | None = None
        self._bound = asyncio.Event()
        self._inflight: set[PartKey] = set()
        self._outcomes: asyncio.Queue[SubmitOutcome] = asyncio.Queue()
        self._deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        self.submitted = 0

    @property
    def is_bound(self) -> bool:
        return self._bound.is_set()

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._stay_connected())
            tasks.create_task(self._send_queued_parts())
            tasks.create_task(self._record_outcomes())
            tasks.create_task(self._record_deliveries())

    async def _stay_connected(self) -> None:
        settings, backoff = self._settings, 0.5
        while True:
            try:
                session = await SmppSession.open(
                    settings.smpp_host,
                    settings.smpp_port,
                    settings.smpp_system_id,
                    settings.smpp_password,
                    settings.smpp_window,
                    self._on_deliver,
                    settings.smpp_enquire_link_seconds,
                )
            except (OSError, TimeoutError) as exc:
                log.warning(
                    "cannot bind to SMSC %s:%s (%s); retrying in %.1fs",
                    settings.smpp_host,
                    settings.smpp_port,
                    exc,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            log.info("bound to SMSC %s:%s", settings.smpp_host, settings.smpp_port)
            backoff = 0.5
            self._session = session
            self._bound.set()
            try:
                await session.closed.wait()
            finally:
                # On shutdown (cancellation) unbind politely instead of dropping the socket.
                self._bound.clear()
                self._session = None
                await asyncio.shield(session.close())

    async def _send_queued_parts(self) -> None:
        # The HTTP process can't wake us across processes, so poll: quickly while parts keep
        # coming, backing off when idle so an idle connector doesn't hammer the database.
        idle_wait = IDLE_POLL_MIN_SECONDS
        while True:
            await self._bound.wait()
            session = self._session
            assert session is not None
            async with self._runtime.sessionmaker() as db:
                parts = await repository.claim_queued_parts(
                    db, limit=self._settings.smpp_window * 20, exclude=self._inflight
                )
            if not parts:
                await asyncio.sleep(idle_wait)
                idle_wait = min(idle_wait * 2, IDLE_POLL_MAX_SECONDS)
                continue
            idle_wait = IDLE_POLL_MIN_SECONDS
            for part in parts:
                key = (part.message_id, part.part_index)
                try:
                    fields = submit_sm_fields(
                        part, self._settings.smpp_source_ton, self._settings.smpp_source_npi
                    )
                    future = await session.start_submit(**fields)
                except SessionClosed:
                    break
                self._inflight.add(key)
                future.add_done_callback(partial(self._on_response, part))

    def _on_response(self, part: repository.PartToSend, future: "asyncio.Future[Command]") -> None:
        if future.cancelled() or future.exception() is not None:
            # No answer: the part is still `queued` in the database and goes again.
            self._inflight.discard((part.message_id, part.part_index))
            return
        self._outcomes.put_nowait(SubmitOutcome(part, future.result()))

    async def _record_outcomes(self) -> None:
        while True:
            batch = await _drain(self._outcomes)
            retry_later: list[PartKey] = []
            await self._with_retries(partial(self._apply_outcomes, batch=batch, retry=retry_later))
            for outcome in batch:
                key = (outcome.part.message_id, outcome.part.part_index)
                if key in retry_later:
                    asyncio.get_running_loop().call_later(
                        RETRY_AFTER_SECONDS, self._inflight.discard, key
                    )
                else:
                    self._inflight.discard(key)
            self._runtime.relay.notify()

    async def _apply_outcomes(
        self, db: AsyncSession, *, batch: list[SubmitOutcome], retry: list[PartKey]
    ) -> None:
        now = datetime.now(UTC)
        # One locking query for the whole batch rather than two per part.
        messages = await repository.lock_many(db, {o.part.message_id for o in batch})
        for outcome in batch:
            part, resp = outcome.part, outcome.response
            message = messages.get(part.message_id)
            if message is None:
                log.error("submitted part of a message that is gone: %s", part.message_id)
                continue
            if resp.status == consts.SMPP_ESME_ROK:
                smsc_id = text_field(resp.message_id) or ""
                message.record_part(part.part_index, "sent", now, smsc_message_id=smsc_id)
                add_event(
                    db,
                    Outbox,
                    MessagePartSubmitted(
                        account_id=part.account_id,
                        message_id=part.message_id,
                        part_index=part.part_index,
                        smsc_message_id=smsc_id,
                        submitted_at=now,
                    ),
                )
                self.submitted += 1
            elif resp.status in RETRYABLE_STATUSES:
                retry.append((part.message_id, part.part_index))
            else:
                message.record_part(
                    part.part_index,
                    "failed",
                    now,
                    error_code=f"smpp_{resp.status:#04x}",
                    reason=resp.get_status_desc(),
                )

    async def _on_deliver(self, pdu: Command) -> None:
        assert self._session is not None
        self._deliveries.put_nowait(Delivery(self._session, pdu))

    async def _record_deliveries(self) -> None:
        while True:
            batch = await _drain(self._deliveries)
            await self._with_retries(partial(_store_deliveries, batch=batch))
            self._runtime.relay.notify()
            # Acknowledge only now that the PDU is stored: if we crashed before this, the
            # SMSC would deliver it again instead of it being lost.
            for delivery in batch:
                delivery.session.respond("deliver_sm_resp", delivery.pdu.sequence)

    async def _with_retries(self, work: _Work) -> None:
        delay = 0.2
        while True:
            try:
                async with self._runtime.sessionmaker() as db, db.begin():
                    await work(db)
                return
            except Exception:
                log.exception("recording SMPP results failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)


async def _store_deliveries(db: AsyncSession, *, batch: list[Delivery]) -> None:
    for delivery in batch:
        pdu = delivery.pdu
        payload = pdu.short_message or b""
        network_error = getattr(pdu, "network_error_code", None)
        add_event(
            db,
            Outbox,
            DeliverSmReceived(
                source_addr=text_field(pdu.source_addr) or "",
                destination_addr=text_field(pdu.destination_addr) or "",
                esm_class=pdu.esm_class or 0,
                data_coding=pdu.data_coding or 0,
                short_message_hex=payload.hex(),
                text=decode_short_message(payload, pdu.data_coding or 0, pdu.esm_class or 0),
                receipted_message_id=text_field(getattr(pdu, "receipted_message_id", None)),
                message_state=getattr(pdu, "message_state", None),
                network_error_code_hex=network_error.hex() if network_error else None,
            ),
        )


async def _drain(queue: "asyncio.Queue[T]") -> list[T]:
    batch = [await queue.get()]
    while len(batch) < MAX_BATCH and not queue.empty():
        batch.append(queue.get_nowait())
    return batch

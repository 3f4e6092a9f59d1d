"""Queueing a mail beside what caused it, and sending what is queued."""

import json
import logging
import re
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.mail import metrics
from auth_service.mail.models import OutgoingMail
from shared.db import session_scope
from shared.events import utcnow
from shared.mail import Mail, Mailer

log = logging.getLogger(__name__)

# A mail that failed this often is left for operators (last_error says why). Retries back
# off from RETRY_FIRST, doubling up to RETRY_MAX: 20 attempts span about half a day, so an
# SMTP server down for hours delays mail (a breach notice's among it) but loses none.
MAX_ATTEMPTS = 20
RETRY_FIRST = timedelta(seconds=10)
RETRY_MAX = timedelta(hours=1)
# Sent mail (bodies erased) is kept this long as the record that it went out.
SENT_KEPT = timedelta(days=30)


# An SMTP error names the addresses it refused (SMTPRecipientsRefused carries them all):
# the error is kept and logged for operators, the addresses are personal data they don't need.
_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


def described(exc: Exception) -> str:
    """What a send failure was, without the e-mail addresses in it."""
    return _ADDRESS.sub("<address>", repr(exc))


def queue(session: AsyncSession, mail: Mail, mail_id: UUID | None = None) -> None:
    """Adds the mail to `session`'s transaction; the sender picks it up after the commit.
    `mail_id`: for whoever keeps a reference to it (notifications count what went out)."""
    session.add(
        OutgoingMail(
            id=mail_id or uuid4(),
            recipient=mail.to,
            subject=mail.subject,
            body=mail.text,
            headers=json.dumps(mail.headers) if mail.headers else None,
        )
    )


class MailSender:
    """The periodic job: sends queued mail a few at a time, each in its own transaction,
    so that one bad address never holds up the rest."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], mailer: Mailer, batch: int = 50
    ) -> None:
        self._sessionmaker = sessionmaker
        self.mailer = mailer
        self._batch = batch

    async def run_once(self) -> int:
        """Sends what is queued; returns how many went out."""
        sent, now = 0, utcnow()
        async for session in session_scope(self._sessionmaker):
            pending = (
                await session.scalars(
                    select(OutgoingMail)
                    .where(
                        OutgoingMail.sent_at.is_(None),
                        OutgoingMail.attempts < MAX_ATTEMPTS,
                        or_(
                            OutgoingMail.next_attempt_at.is_(None),
                            OutgoingMail.next_attempt_at <= now,
                        ),
                    )
                    .order_by(OutgoingMail.created_at)
                    .limit(self._batch)
                )
            ).all()
            jobs = [(row.id, row.attempts, _mail(row)) for row in pending]
        for mail_id, attempts, mail in jobs:
            sent += await self._send(mail_id, attempts, mail)
        async for session in session_scope(self._sessionmaker):
            await session.execute(
                delete(OutgoingMail).where(OutgoingMail.sent_at < utcnow() - SENT_KEPT)
            )
        return sent

    async def _send(self, mail_id: object, attempts: int, mail: Mail) -> int:
        # Two replicas may pick the same mail; the recipient may then get it twice, which
        # a verification link or an invitation survives (its token works once).
        if attempts:
            metrics.RETRIED.inc()
        try:
            await self.mailer.send(mail)
        except Exception as exc:  # the mail server's problem, whatever it raised
            failure = described(exc)
            log.warning("sending mail %s failed: %s", mail_id, failure)
            metrics.FAILED.inc()
            if attempts + 1 >= MAX_ATTEMPTS:
                metrics.GIVEN_UP.inc()
            async for session in session_scope(self._sessionmaker):
                await session.execute(
                    update(OutgoingMail)
                    .where(OutgoingMail.id == mail_id)
                    .values(
                        attempts=OutgoingMail.attempts + 1,
                        last_error=failure[:500],
                        next_attempt_at=utcnow() + retry_delay(attempts + 1),
                    )
                )
            return 0
        async for session in session_scope(self._sessionmaker):
            await session.execute(
                update(OutgoingMail)
                .where(OutgoingMail.id == mail_id)
                .values(
                    sent_at=utcnow(), body=None, headers=None, attempts=OutgoingMail.attempts + 1
                )
            )
        metrics.SENT.inc()
        return 1


def _mail(row: OutgoingMail) -> Mail:
    headers = tuple((name, value) for name, value in json.loads(row.headers or "[]"))
    return Mail(row.recipient, row.subject, row.body or "", headers)


def retry_delay(failures: int) -> timedelta:
    """How long after its `failures`-th failure a mail waits before the next try."""
    return min(RETRY_FIRST * 2 ** min(failures - 1, 20), RETRY_MAX)

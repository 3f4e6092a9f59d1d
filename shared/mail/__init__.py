"""Outgoing e-mail: verification links, invitations, notifications.

Two ways out, chosen by settings: an SMTP server (`MAIL_SMTP_URL`, production) or a Maildir
on disk (`MAIL_MAILDIR`, the default: `make dev` and the tests read what was "sent" there,
with the standard library's `mailbox`). Sending is a blocking library call either way, so it
runs in a thread; callers queue mail in their own transaction and send after the commit
(auth_service.mail), never inside a request's transaction.
"""

import asyncio
import mailbox
import smtplib
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.file_settings import FileSettings


class MailSettings(FileSettings):
    model_config = SettingsConfigDict(env_prefix="MAIL_", extra="ignore")

    # smtp://user:password@host:587 (STARTTLS) or smtps://...:465 (TLS from the start).
    # It holds the password: in the cluster MAIL_SMTP_URL_FILE names a mounted Secret's file.
    smtp_url: str | None = None
    maildir: Path = Path(".var/mail")
    sender: str = "SMS Gateway <no-reply@smsgw.local>"
    timeout_seconds: float = Field(default=10.0, gt=0)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    # Extra header fields, e.g. List-Unsubscribe (RFC 2369/8058) on marketing mail.
    headers: tuple[tuple[str, str], ...] = ()


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].rstrip(">"))
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.text)
    return message


class MaildirMailer:
    """Delivers into a local Maildir: a mail sink anyone on the machine can read."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self._sender = sender

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._deliver, _message(mail, self._sender))

    def _deliver(self, message: EmailMessage) -> None:
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.directory, create=True).add(message)


class SmtpMailer:
    def __init__(self, url: str, sender: str, timeout_seconds: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("MAIL_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 587)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._timeout = timeout_seconds

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._deliver, _message(mail, self._sender))

    def _deliver(self, message: EmailMessage) -> None:
        client: smtplib.SMTP
        if self._tls:
            client = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout)
        else:
            client = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with client:
            # The server lists its extensions only in answer to EHLO: without asking first,
            # has_extn() is always false and credentials would go in the clear.
            client.ehlo()
            if not self._tls and client.has_extn("starttls"):
                client.starttls()
                client.ehlo()
            if self._user is not None:
                client.login(self._user, self._password or "")
            client.send_message(message)


def create_mailer(settings: MailSettings | None = None) -> Mailer:
    settings = settings or MailSettings()
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.sender, settings.timeout_seconds)
    return MaildirMailer(settings.maildir, settings.sender)


def read_maildir(directory: Path) -> list[EmailMessage]:
    """Every message in a Maildir, oldest first: what tests and `make dev` users read."""
    if not directory.exists():
        return []
    box = mailbox.Maildir(directory, factory=None, create=False)
    messages = []
    # A key starts "<seconds>.M<microseconds>P...": the order of delivery.
    for key in sorted(box.keys(), key=_delivery_order):
        parsed = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def _delivery_order(key: str) -> tuple[int, int, str]:
    seconds, _, rest = key.partition(".M")
    micros = rest.split("P", 1)[0]
    if seconds.isdigit() and micros.isdigit():
        return int(seconds), int(micros), key
    return 0, 0, key

"""A local SMTP server that keeps every mail it receives in a Maildir (aiosmtpd).

With it the real SMTP path (MAIL_SMTP_URL, shared.mail.SmtpMailer) runs in tests and, when
wanted, in development: `python -m devstack.mail_sink .var/smtp-mail --port 2525`, then start
the platform with `MAIL_SMTP_URL=smtp://127.0.0.1:2525`. Without it `make dev` keeps writing
mail straight into the Maildir `.var/mail` (the default). It offers no STARTTLS and takes
no login: a sink on the loopback, never a relay.
"""

import argparse
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from devstack.ports import free_port


class SmtpSink:
    """Runs in a thread of its own (aiosmtpd's Controller), so a test's event loop and a
    blocking SMTP client can both talk to it."""

    def __init__(self, maildir: Path, host: str = "127.0.0.1", port: int | None = None) -> None:
        maildir.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = maildir
        self.host = host
        self.port = port or free_port()
        self._controller = Controller(Mailbox(maildir), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        """What MAIL_SMTP_URL takes."""
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("maildir", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    args = parser.parse_args()
    sink = SmtpSink(args.maildir, args.host, args.port).start()
    print(f"SMTP sink on {sink.url}, mail in {args.maildir}/new")  # noqa: T201 - a CLI
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sink.stop()


if __name__ == "__main__":
    main()

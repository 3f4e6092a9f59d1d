"""Session-wide real dependencies: PostgreSQL (or SQLite off-CI), the Tansu broker over the
Kafka protocol, and a real auth service whose JWKS every other service verifies against."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devstack.broker import start_broker
from tests.support.apps import AuthClient, served_app
from tests.support.databases import Databases, postgres_reachable

_BACKEND = "postgresql" if postgres_reachable() else "sqlite"


def pytest_report_header() -> str:
    return f"database backend: {_BACKEND} (set by tests/support/databases.py)"


def pytest_sessionstart(session: pytest.Session) -> None:
    if _BACKEND != "postgresql" and os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but PostgreSQL at 127.0.0.1:5432 is unreachable")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"database backend used: {_BACKEND}")


@pytest.fixture(scope="session")
def broker() -> Iterator[str]:
    """Bootstrap address of a fresh in-memory Tansu broker for this test run."""
    process, address = start_broker()
    yield address
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
async def databases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Databases]:
    dbs = Databases(_BACKEND, tmp_path_factory.mktemp("sqlite"))
    yield dbs
    await dbs.drop_all()


@pytest.fixture(scope="session")
async def auth_service(
    databases: Databases, broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AuthClient]:
    """The real auth service on a real port."""
    from auth_service.config import AuthSettings
    from auth_service.main import create_app
    from shared.mail import MaildirMailer

    settings = AuthSettings(
        database_url=await databases.create("auth"),
        kafka_bootstrap_servers=broker,
        dev_key_file=Path(tmp_path_factory.mktemp("keys")) / "signing.pem",
        environment="test",
        # The whole run registers and logs in from 127.0.0.1; the limits have tests of
        # their own (tests/integration/test_auth_limits.py).
        login_rate_limit=0,
        register_rate_limit=0,
        resend_rate_limit=0,
        # The platform under test hands out credit at sign-up; verification has its own
        # tests (tests/integration/test_signup.py).
        signup_policy="open",
        # Its own group: auth apps of single modules consume into databases of their own.
        consumer_group="auth-session",
    )
    # Its mail (a welcome for every account the run makes) into a Maildir of the run's own,
    # never into the working tree's .var/mail.
    maildir = tmp_path_factory.mktemp("auth-mail") / "Maildir"
    mailer = MaildirMailer(maildir, "smsgw <no-reply@example.com>")
    async with served_app(create_app(settings, mailer=mailer)) as base_url:
        yield AuthClient(base_url, settings.dev_key_file)

"""<NAME>_FILE: a setting read from a mounted Secret's file rather than the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from auth_service.config import AuthSettings
from billing_service.config import BillingSettings
from dispatch_service.config import DispatchSettings
from gateway.config import GatewaySettings
from shared.mail import MailSettings, SmtpMailer, create_mailer
from shared.settings import ServiceSettings

# auth's secrets, as k8s/base/auth mounts them.
AUTH_SECRETS = (
    "PRIVATE_KEY_PEM",
    "NEXT_PRIVATE_KEY_PEM",
    "PREVIOUS_KEY_PEM",
    "TOTP_ENCRYPTION_KEYS",
    "UNSUBSCRIBE_SECRET",
)


class Prefixed(ServiceSettings):
    model_config = ServiceSettings.model_config | {"env_prefix": "THING_"}


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "SMPP_PASSWORD",
        "SMPP_PASSWORD_FILE",
        "THING_DATABASE_URL",
        "THING_DATABASE_URL_FILE",
        *(f"AUTH_{name}{suffix}" for name in AUTH_SECRETS for suffix in ("", "_FILE")),
        "AUTH_ENVIRONMENT",
        "INTERNAL_TOKEN",
        "INTERNAL_TOKEN_FILE",
        "REDIS_URL",
        "REDIS_URL_FILE",
        "MAIL_SMTP_URL",
        "MAIL_SMTP_URL_FILE",
    ):
        monkeypatch.delenv(var, raising=False)


def test_a_prefixed_setting_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "uri"
    secret.write_text("postgresql://app:pw@billing-db-rw:5432/app\n")
    monkeypatch.setenv("THING_DATABASE_URL_FILE", str(secret))
    # Read, its newline dropped, and then treated like the variable (scheme rewritten).
    assert Prefixed().database_url == "postgresql+asyncpg://app:pw@billing-db-rw:5432/app"


def test_an_unprefixed_alias_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-the-secret")
    monkeypatch.setenv("SMPP_PASSWORD_FILE", str(secret))
    assert DispatchSettings().smpp_password == "from-the-secret"
    # The variable itself, when set too, wins.
    monkeypatch.setenv("SMPP_PASSWORD", "from-the-env")
    assert DispatchSettings().smpp_password == "from-the-env"


def test_a_missing_file_stops_the_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SMPP_PASSWORD_FILE", str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError):
        DispatchSettings()


def secret_file(directory: Path, name: str, content: str) -> str:
    path = directory / name
    path.write_text(content + "\n")
    return str(path)


def test_auth_starts_in_production_on_files_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    totp = Fernet.generate_key().decode()
    monkeypatch.setenv("AUTH_ENVIRONMENT", "production")
    monkeypatch.setenv("AUTH_PRIVATE_KEY_PEM_FILE", secret_file(tmp_path, "key", "-PEM-"))
    monkeypatch.setenv("AUTH_TOTP_ENCRYPTION_KEYS_FILE", secret_file(tmp_path, "totp", totp))
    monkeypatch.setenv("AUTH_UNSUBSCRIBE_SECRET_FILE", secret_file(tmp_path, "unsub", "u" * 40))
    monkeypatch.setenv("INTERNAL_TOKEN_FILE", secret_file(tmp_path, "internal", "tok"))
    # Outside a rotation the next and previous keys are not in the Secret, so the kubelet
    # mounts no file for them: unset, not a failed start.
    monkeypatch.setenv("AUTH_NEXT_PRIVATE_KEY_PEM_FILE", str(tmp_path / "absent-next"))
    monkeypatch.setenv("AUTH_PREVIOUS_KEY_PEM_FILE", str(tmp_path / "absent-previous"))
    settings = AuthSettings()
    assert settings.private_key_pem == "-PEM-"
    assert settings.totp_encryption_keys == totp
    assert settings.unsubscribe_secret == "u" * 40
    assert settings.internal_token is not None
    assert settings.internal_token.get_secret_value() == "tok"
    assert settings.next_private_key_pem is None
    assert settings.previous_key_pem is None
    # During a rotation they are there, and read.
    monkeypatch.setenv("AUTH_NEXT_PRIVATE_KEY_PEM_FILE", secret_file(tmp_path, "next", "-NEXT-"))
    assert AuthSettings().next_private_key_pem == "-NEXT-"


def test_auth_signing_key_file_is_never_optional(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUTH_PRIVATE_KEY_PEM_FILE", str(tmp_path / "absent"))
    with pytest.raises(FileNotFoundError):
        AuthSettings()


def test_a_file_value_is_validated_like_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AUTH_TOTP_ENCRYPTION_KEYS_FILE", secret_file(tmp_path, "t", "not-a-key"))
    with pytest.raises(ValidationError, match="urlsafe base64"):
        AuthSettings()


def test_the_gateway_reads_its_settings_from_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "redis://:hunter2@redis:6379/0"
    monkeypatch.setenv("REDIS_URL_FILE", secret_file(tmp_path, "redis", url))
    assert GatewaySettings().redis_url == url


def test_the_smtp_url_from_a_file_reaches_the_mailer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "smtps://mailer:p%40ss@smtp.example.com:465"
    monkeypatch.setenv("MAIL_SMTP_URL_FILE", secret_file(tmp_path, "smtp", url))
    settings = MailSettings()
    assert settings.smtp_url == url
    mailer = create_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer._host, mailer._port, mailer._user, mailer._password) == (
        "smtp.example.com",
        465,
        "mailer",
        "p@ss",
    )


def test_a_setting_named_like_a_file_variable_keeps_its_own_meaning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """BILLING_COMPANIES_FILE is billing's own setting (a YAML file it parses), not
    BILLING_COMPANIES read from a file: billing used to refuse to start with it."""
    companies = tmp_path / "companies.yaml"
    companies.write_text("- code: eu\n  legal_name: Example\n")
    monkeypatch.setenv("BILLING_COMPANIES_FILE", str(companies))
    settings = BillingSettings()
    assert settings.companies_file == companies
    assert settings.companies == []

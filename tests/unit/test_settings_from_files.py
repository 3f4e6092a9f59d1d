"""<NAME>_FILE: a setting read from a mounted Secret's file rather than the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_service.config import DispatchSettings
from shared.settings import ServiceSettings


class Prefixed(ServiceSettings):
    model_config = ServiceSettings.model_config | {"env_prefix": "THING_"}


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "SMPP_PASSWORD",
        "SMPP_PASSWORD_FILE",
        "THING_DATABASE_URL",
        "THING_DATABASE_URL_FILE",
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

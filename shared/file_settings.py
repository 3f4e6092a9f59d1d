"""`<NAME>_FILE=/path`: any setting read from a file instead of its variable.

In the cluster a Secret is mounted as files, so a password or key is in no process
environment, `kubectl describe pod` or crash dump (checkov's CKV_K8S_35). The services'
settings (shared.settings), the gateway's and the mail's (shared.mail) take it; the Kafka
clients name their password file outright (KAFKA_SASL_PASSWORD_FILE, shared.kafka)."""

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource


class FileVariablesSource(PydanticBaseSettingsSource):
    """`<NAME>_FILE=/path`: the setting read from variable NAME takes the file's content instead
    (one trailing newline dropped). NAME itself, when set too, wins: the file is the fallback,
    never a silent override. A missing file stops the start, except for the settings the class
    lists in `optional_files`."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        aliased = field.validation_alias is not None
        optional = field_name in getattr(self.settings_cls, "optional_files", frozenset())
        for name in self._names(field_name, field):
            variable = f"{name.upper()}_FILE"
            path = os.environ.get(variable)
            # A setting of its own (BILLING_COMPANIES_FILE, a YAML file billing parses
            # itself beside BILLING_COMPANIES) is that setting's value, not this one's.
            if path and variable not in self._own_variables():
                if optional and not Path(path).exists():
                    return None, field_name, False
                # Keyed as the model validates it: by the alias if it has one.
                key = name if aliased else field_name
                return Path(path).read_text().removesuffix("\n"), key, False
        return None, field_name, False

    def _own_variables(self) -> set[str]:
        return {
            name.upper()
            for field_name, field in self.settings_cls.model_fields.items()
            for name in self._names(field_name, field)
        }

    def _names(self, field_name: str, field: FieldInfo) -> list[str]:
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            return [c for c in alias.choices if isinstance(c, str)]
        if isinstance(alias, str):
            return [alias]
        return [f"{self.config.get('env_prefix', '')}{field_name}"]

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, field_name)
            if value is not None:
                # A list or a model in a file is JSON, as in the variable itself (unless the
                # field says NoDecode): without this it reached validation as a string.
                values[key] = self.prepare_field_value(field_name, field, value, False)
        return values


class FileSettings(BaseSettings):
    """Settings of which every one may come from a file, `<NAME>_FILE` (FileVariablesSource),
    read after the environment and before .env files."""

    # Fields whose file may be absent, meaning "unset": a key that an optional Secret source
    # does not hold is left out of the mounted volume by the kubelet (auth's next and previous
    # signing keys, present only around a rotation).
    optional_files: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            FileVariablesSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

"""TOTP secrets sealed at rest (R19): whoever reads the users table (a backup, a leaked
dump) must not be able to mint a user's second factor with it.

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`, which PyJWT already brings) under
AUTH_TOTP_ENCRYPTION_KEYS: the first key seals, every key opens, so a new key is put first
and the old one kept until the secrets were re-sealed (they are, at each use). In
development the key is generated once next to the dev signing key. Secrets stored before
sealing existed are read as they are and sealed at their next use.
"""

from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from auth_service.config import AuthSettings

# What every Fernet token starts with (version byte 0x80, base64): a base32 TOTP secret
# never does.
_TOKEN_PREFIX = "gAAAAA"


class SealedSecretUnreadable(Exception):
    """No configured key opens the stored secret: the keys were changed without keeping
    the old one."""


def dev_key_path(settings: AuthSettings) -> Path:
    return settings.dev_key_file.with_name("auth-totp.key")


def keys_of(settings: AuthSettings) -> str:
    if settings.totp_encryption_keys:
        return settings.totp_encryption_keys
    path = dev_key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache(maxsize=4)
def _box(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def seal(settings: AuthSettings, secret: str) -> str:
    return _box(keys_of(settings)).encrypt(secret.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(_TOKEN_PREFIX)


def unseal(settings: AuthSettings, stored: str) -> str:
    if not is_sealed(stored):
        return stored  # stored before sealing existed
    try:
        return _box(keys_of(settings)).decrypt(stored.encode()).decode()
    except InvalidToken as exc:
        raise SealedSecretUnreadable() from exc


def needs_resealing(settings: AuthSettings, stored: str) -> bool:
    """Plain, or sealed under a key that is no longer the first."""
    if not is_sealed(stored):
        return True
    first = keys_of(settings).split(",")[0].strip()
    try:
        Fernet(first.encode()).decrypt(stored.encode())
    except InvalidToken:
        return True
    return False

"""The three published RS256 keys: previous, current (the only one that signs) and next.

Publishing the next key before it signs lets every verifier cache it ahead of a rotation;
keeping the previous one published lets tokens it signed verify until they expire. A
rotation shifts them (next → current, current → previous) and makes a new next: see
docs/key-rotation.md and `python -m auth_service.keys rotate`.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_service.config import AuthSettings

PublicKey = rsa.RSAPublicKey


@dataclass(frozen=True)
class Keyring:
    current: rsa.RSAPrivateKey
    next: PublicKey | None = None
    previous: PublicKey | None = None


@dataclass(frozen=True)
class KeyFiles:
    """Development keys: the current key's file and its siblings `<stem>.next.pem` and
    `<stem>.previous.pem`. The same layout serves a rotation of files taken from a Secret."""

    current: Path

    @property
    def next(self) -> Path:
        return self.current.with_name(f"{self.current.stem}.next{self.current.suffix}")

    @property
    def previous(self) -> Path:
        return self.current.with_name(f"{self.current.stem}.previous{self.current.suffix}")


def load_keyring(settings: AuthSettings) -> Keyring:
    if settings.private_key_pem:
        return Keyring(
            current=private_key(settings.private_key_pem.encode()),
            next=_public(settings.next_private_key_pem),
            previous=_public(settings.previous_key_pem),
        )
    files = KeyFiles(settings.dev_key_file)
    for path in (files.current, files.next):
        if not path.exists():
            write_private(path, generate_pem())
    return Keyring(
        current=private_key(files.current.read_bytes()),
        next=public_key(files.next.read_bytes()),
        previous=public_key(files.previous.read_bytes()) if files.previous.exists() else None,
    )


def rotate_files(files: KeyFiles) -> None:
    """next → current, current → previous (its public half), a new next. Every new file is
    written in full before any is replaced, so a failure part-way leaves each file a whole
    key and the current one still able to sign (`show` tells where it stopped)."""
    if not files.current.exists():
        raise FileNotFoundError(f"no current key at {files.current}")
    current = files.current.read_bytes()
    # The previous key never signs again: only its public half is kept.
    retired = (
        private_key(current)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    if files.next.exists():
        promoted = files.next.read_bytes()
        private_key(promoted)
    else:
        promoted = generate_pem()  # nothing was announced: tokens it signs may be refused
    staged = [
        (files.previous, retired),
        (files.current, promoted),
        (files.next, generate_pem()),
    ]
    temporary = []
    for path, pem in staged:
        temp = path.with_name(f".{path.name}.tmp")
        write_private(temp, pem)
        temporary.append((temp, path))
    for temp, path in temporary:
        os.replace(temp, path)


def private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("an auth signing key must be an RSA private key")
    return key


def public_key(pem: bytes) -> PublicKey:
    """The public half of a PEM that holds either a private or a public RSA key."""
    if b"PRIVATE KEY" in pem:
        return private_key(pem).public_key()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("an auth verification key must be an RSA key")
    return key


def _public(pem: str | None) -> PublicKey | None:
    return public_key(pem.encode()) if pem else None


def generate_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(pem)

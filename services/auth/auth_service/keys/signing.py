"""The RS256 key that signs every access token, and its public half as a JWKS."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from auth_service.config import AuthSettings


def load_or_create_private_key(settings: AuthSettings) -> rsa.RSAPrivateKey:
    if settings.private_key_pem:
        pem = settings.private_key_pem.encode()
    elif settings.dev_key_file.exists():
        pem = settings.dev_key_file.read_bytes()
    else:
        pem = _generate_pem()
        _write_private(settings.dev_key_file, pem)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the auth signing key must be an RSA private key")
    return key


def _generate_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(pem)


class TokenIssuer:
    def __init__(self, private_key: rsa.RSAPrivateKey, settings: AuthSettings) -> None:
        self._private_key = private_key
        self._settings = settings
        self._public_jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
        # RFC 7638 thumbprint: the same key always gets the same kid, across restarts.
        self.kid = _thumbprint(self._public_jwk)
        self._public_jwk.update(kid=self.kid, use="sig", alg="RS256")

    def issue(self, *, user_id: UUID, account_id: UUID, role: str) -> tuple[str, int]:
        now = datetime.now(UTC)
        ttl = self._settings.access_token_ttl_seconds
        claims = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": str(user_id),
            "account_id": str(account_id),
            "role": role,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
        }
        token = jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})
        return token, ttl

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [self._public_jwk]}


def _thumbprint(jwk: dict[str, Any]) -> str:
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

"""Signs every access token with the current key; publishes the keyring as a JWKS."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
from jwt.algorithms import RSAAlgorithm

from auth_service.config import AuthSettings
from auth_service.keys.keyring import Keyring, PublicKey


class TokenIssuer:
    def __init__(self, keyring: Keyring, settings: AuthSettings) -> None:
        self._private_key = keyring.current
        self._settings = settings
        current = public_jwk(keyring.current.public_key())
        self.kid = current["kid"]
        published: dict[str, dict[str, Any]] = {}
        # Previous, current, next: verifiers pick by kid; a key given twice is listed once.
        for key in (keyring.previous, keyring.current.public_key(), keyring.next):
            if key is not None:
                jwk = public_jwk(key)
                published.setdefault(jwk["kid"], jwk)
        self._jwks = {"keys": list(published.values())}

    def issue(
        self,
        *,
        user_id: UUID,
        account_id: UUID,
        role: str,
        trial: bool = False,
        session_id: UUID | None = None,
    ) -> tuple[str, int]:
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
            # Each token its own id: two issued in the same second (a login and a refresh)
            # still differ, and a later deny-list has something to name.
            "jti": uuid4().hex,
        }
        if trial:
            # Only when true: a token without it (every one issued before) reads as no trial.
            claims["trial"] = True
        if session_id is not None:
            # The login it descends from (OpenID's `sid`): the list of sessions marks the
            # caller's own, and "sign out everywhere else" keeps it.
            claims["sid"] = str(session_id)
        token = jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})
        return token, ttl

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return self._jwks

    def sign(self, claims: dict[str, Any], ttl_seconds: int) -> str:
        """A token with auth's issuer, audience and times around the caller's own claims."""
        now = datetime.now(UTC)
        return jwt.encode(
            {
                **claims,
                "iss": self._settings.jwt_issuer,
                "aud": self._settings.jwt_audience,
                "iat": now,
                "exp": now + timedelta(seconds=ttl_seconds),
            },
            self._private_key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )


def public_jwk(key: PublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key))
    # RFC 7638 thumbprint: the same key always gets the same kid, across restarts and
    # across its moves from next to current to previous.
    jwk.update(kid=_thumbprint(jwk), use="sig", alg="RS256")
    return jwk


def _thumbprint(jwk: dict[str, Any]) -> str:
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

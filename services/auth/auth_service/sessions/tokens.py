"""Refresh tokens: 256 random bits handed out once and stored as their SHA-256.

A slow hash buys nothing for a secret this long; SHA-256 lets a token be found by its hash.
"""

import hashlib
import secrets


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

"""The key format: what a secret looks like, its hash and its visible prefix."""

import hashlib
import secrets

KEY_PREFIX = "sk_live_"
# sk_live_ plus four characters of the random part: enough to tell keys apart, far too
# little to guess the rest (the random part is 43 characters).
VISIBLE_CHARACTERS = 12
_RANDOM_BYTES = 32


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_prefix(secret: str) -> str:
    return secret[:VISIBLE_CHARACTERS]


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)

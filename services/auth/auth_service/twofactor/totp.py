"""TOTP (RFC 6238) over HOTP (RFC 4226): what authenticator apps compute.

30-second steps, 6 digits, HMAC-SHA1: the parameters every app supports. A code is taken
for the current step and one either side, for clocks that drift and codes typed late.
"""

import base64
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended key length), base32 as apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    mac = hmac.new(key, counter.to_bytes(8, "big"), digest).digest()
    offset = mac[-1] & 0x0F
    code = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFF_FFFF
    return str(code % 10**digits).zfill(digits)


def totp(key: bytes, unix_time: float, digits: int = DIGITS, digest: str = "sha1") -> str:
    return hotp(key, int(unix_time // STEP_SECONDS), digits, digest)


def secret_key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def matching_step(
    secret: str, code: str, *, after_step: int | None = None, now: float | None = None
) -> int | None:
    """The time step whose code `code` is, within the drift, or None. Steps up to
    `after_step` (the last one used) are not taken again, so a code works once."""
    code = code.strip().replace(" ", "")
    # ASCII only: str.isdigit() also takes other scripts' digits, which compare_digest refuses.
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    key = secret_key(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an app reads from a QR code (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"

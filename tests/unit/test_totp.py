"""auth's TOTP against RFC 6238's test vectors (Appendix B), and how codes are accepted."""

import base64

import pytest

from auth_service.twofactor.totp import (
    hotp,
    matching_step,
    new_secret,
    provisioning_uri,
    secret_key,
    totp,
)

SHA1_KEY = b"12345678901234567890"
SHA256_KEY = b"12345678901234567890123456789012"
SHA512_KEY = b"1234567890" * 6 + b"1234"


@pytest.mark.parametrize(
    ("unix_time", "sha1", "sha256", "sha512"),
    [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ],
)
def test_rfc6238_vectors(unix_time: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp(SHA1_KEY, unix_time, digits=8, digest="sha1") == sha1
    assert totp(SHA256_KEY, unix_time, digits=8, digest="sha256") == sha256
    assert totp(SHA512_KEY, unix_time, digits=8, digest="sha512") == sha512


def test_rfc4226_hotp_vectors() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    assert [hotp(SHA1_KEY, counter) for counter in range(5)] == expected


def test_a_code_is_taken_within_one_step_of_drift_and_only_once() -> None:
    secret = base64.b32encode(SHA1_KEY).decode()
    now = 1111111111.0
    step = int(now // 30)
    current = totp(SHA1_KEY, now)

    assert matching_step(secret, current, now=now) == step
    assert matching_step(secret, totp(SHA1_KEY, now - 30), now=now) == step - 1
    assert matching_step(secret, totp(SHA1_KEY, now + 30), now=now) == step + 1
    assert matching_step(secret, totp(SHA1_KEY, now - 90), now=now) is None
    assert matching_step(secret, current, now=now, after_step=step) is None  # used already
    assert matching_step(secret, "12345", now=now) is None
    assert matching_step(secret, "abcdef", now=now) is None
    assert matching_step(secret, "١٢٣٤٥٦", now=now) is None  # digits, but not ASCII ones


def test_new_secrets_are_random_base32_of_160_bits() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert len(secret_key(first)) == 20


def test_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = provisioning_uri("JBSWY3DPEHPK3PXP", "me@example.com", "smsgw")
    assert uri.startswith("otpauth://totp/smsgw:me@example.com?")
    assert "secret=JBSWY3DPEHPK3PXP" in uri
    assert "issuer=smsgw" in uri
    assert "digits=6" in uri
    assert "period=30" in uri

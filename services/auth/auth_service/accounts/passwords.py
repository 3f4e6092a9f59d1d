"""argon2id hashing off the event loop, a bounded number at a time, and the password policy.

A hash costs tens of milliseconds of CPU and 64 MiB of memory while it runs. Unbounded,
six concurrent logins with any e-mail would take an auth pod past its 512 MiB limit, so
hashes wait for one of a few slots; the per-IP rate limits keep the queue short.
"""

import asyncio
from functools import cache
from importlib import resources
from pathlib import Path

import psutil
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import ProblemError

MIN_PASSWORD_LENGTH = 12

# argon2-cffi's default memory cost, and what else a hash needs around it.
_MIB = 1024 * 1024
_MEMORY_PER_SLOT = 192 * _MIB  # 64 MiB for argon2, the rest for the process to live on
_SLOTS_AT_LEAST, _SLOTS_AT_MOST = 2, 4


class Passwords:
    """Hashes and verifies with at most `max_concurrent` argon2 computations at once."""

    def __init__(self, max_concurrent: int | None = None) -> None:
        self.max_concurrent = max_concurrent or default_max_concurrent_hashes()
        self._slots = asyncio.Semaphore(self.max_concurrent)
        self._hasher = PasswordHasher()
        # Verifying against a real hash when the e-mail is unknown keeps login time the
        # same whether or not an account exists, so timing doesn't reveal addresses.
        self._dummy_hash = _dummy_hash()

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def _verify() -> bool:
            try:
                checked = self._hasher.verify(password_hash or self._dummy_hash, password)
            except (VerificationError, InvalidHashError):
                return False
            return checked and bool(password_hash)

        async with self._slots:
            return await asyncio.to_thread(_verify)


@cache
def _dummy_hash() -> str:
    return PasswordHasher().hash("not-a-real-password")


def default_max_concurrent_hashes() -> int:
    """2 to 4 slots, one per 192 MiB this process may use (its cgroup's limit in a pod)."""
    return max(_SLOTS_AT_LEAST, min(_SLOTS_AT_MOST, _memory_limit() // _MEMORY_PER_SLOT))


def _memory_limit() -> int:
    total = int(psutil.virtual_memory().total)
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            value = Path(path).read_text().strip()
        except OSError:
            continue
        if value.isdigit():
            return min(total, int(value))  # cgroup v1 writes a huge number for "no limit"
    return total


class WeakPassword(ProblemError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            422,
            "weak_password",
            "Weak password",
            reason,
            errors=[{"location": ["body", "password"], "message": reason, "type": "weak_password"}],
        )


def check_password_strength(password: str) -> None:
    """Refuses a password shorter than 12 characters or on the list of common ones."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.lower() in common_passwords():
        raise WeakPassword("The password is one of the most common ones; choose another")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lowercased."""
    text = resources.files("auth_service.accounts").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )

"""A steady load of single and multipart messages through the gateway, retried the way a
careful integrator retries: the same Idempotency-Key until the platform says yes."""

import asyncio
import itertools
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

# Every message goes to a number of its own, so the SMSC's log maps back to it exactly.
_DESTINATIONS = itertools.count(1)
GSM_LONG = (
    "Your order {n} has shipped and will arrive on Friday between 9:00 and 13:00. Track it "
    "at example.com/t/{n}. Reply STOP to opt out of delivery updates, HELP for help. "
    "Thank you for shopping with us, we hope to see you again soon!"
)
UCS2_TWO = "Заказ {n} отправлен и будет доставлен в пятницу с 9:00 до 13:00. Спасибо за покупку!"
RETRYABLE_STATUS = {429, 500, 502, 503, 504}


def next_destination() -> str:
    return f"+4477009{next(_DESTINATIONS):05d}"


def message_body(n: int, rng: random.Random) -> dict[str, str]:
    roll = rng.random()
    if roll < 0.6:
        text = f"Code {n:06d} is your login code"
    elif roll < 0.8:
        text = GSM_LONG.format(n=n)
    else:
        text = UCS2_TWO.format(n=n)
    return {"to": next_destination(), "text": text}


@dataclass
class Sent:
    key: str
    account: int
    body: dict[str, str]
    message_id: str | None = None
    tries: int = 0
    accepted_at: float | None = None


@dataclass
class LoadReport:
    sent: list[Sent] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.message_id is not None]

    @property
    def given_up(self) -> list[Sent]:
        return [s for s in self.sent if s.message_id is None]


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    headers: dict[str, str]


async def sign_up(client: httpx.AsyncClient, email: str) -> Account:
    password = "a long enough password"
    registered = await client.post(
        "/v1/auth/register",
        json={"email": email, "password": password, "company_name": f"{email} Ltd"},
    )
    assert registered.status_code == 202, registered.text
    login = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    # Billing grants the starter credit on the registration's event; a message charged
    # before it would be declined.
    async with asyncio.timeout(60):
        while True:
            balance = await client.get("/v1/billing/balance", headers=headers)
            if balance.status_code == 200 and Decimal(balance.json()["balance"]) > 0:
                break
            await asyncio.sleep(0.2)
    return Account(uuid.UUID(login.json()["account_id"]), headers)


class SteadyLoad:
    """Offers `rate` messages a second until stopped; each is retried until accepted."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        accounts: list[Account],
        rate: float,
        give_up_after: float = 180.0,
        seed: int = 7,
    ) -> None:
        self._client = client
        self._accounts = accounts
        self._rate = rate
        self._give_up_after = give_up_after
        self._rng = random.Random(seed)
        self._counter = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()
        self.report = LoadReport()

    @property
    def accounts(self) -> list[Account]:
        return self._accounts

    async def run(self) -> None:
        interval = 1.0 / self._rate
        next_at = time.monotonic()
        while not self._stopped.is_set():
            self.offer()
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def burst(self, count: int) -> None:
        """`count` messages at once: a full outbox batch for a relay to be killed in."""
        for _ in range(count):
            self.offer()

    def offer(self, account: int | None = None) -> Sent:
        n = next(self._counter)
        account = n % len(self._accounts) if account is None else account
        sent = Sent(str(uuid.uuid4()), account, message_body(n, self._rng))
        self.report.sent.append(sent)
        task = asyncio.create_task(self._send(sent))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return sent

    async def stop(self) -> None:
        """Stop offering new messages and wait for the ones still being retried."""
        self._stopped.set()
        if self._tasks:
            await asyncio.gather(*self._tasks)

    async def send_one(self, account: int) -> Sent:
        """One message, returned once the platform has accepted it."""
        n = next(self._counter)
        sent = Sent(str(uuid.uuid4()), account, message_body(n, self._rng))
        self.report.sent.append(sent)
        await self._send(sent)
        assert sent.message_id is not None, f"never accepted: {sent}"
        return sent

    async def _send(self, sent: Sent) -> None:
        deadline = time.monotonic() + self._give_up_after
        delay = 0.2
        headers = {**self._accounts[sent.account].headers, "Idempotency-Key": sent.key}
        while time.monotonic() < deadline:
            sent.tries += 1
            try:
                response = await self._client.post("/v1/messages", json=sent.body, headers=headers)
            except httpx.HTTPError as exc:
                self.report.errors[type(exc).__name__] += 1
            else:
                if response.status_code in (200, 202):
                    sent.message_id = response.json()["id"]
                    sent.accepted_at = time.monotonic()
                    return
                self.report.errors[f"HTTP {response.status_code}"] += 1
                if response.status_code not in RETRYABLE_STATUS:
                    raise AssertionError(
                        f"refused for good: {response.status_code} {response.text}"
                    )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)

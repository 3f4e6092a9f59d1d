"""The double-entry ledger against PostgreSQL (issue 10 items 2 and 6): refunds, credits from
payments, the statement's pages and filters, the low-balance warning, and the invariant that
every transaction's postings sum to zero.

Credit comes from `post_credit` (what payments call), not the starter credit (0 here), so each
test decides exactly how much money an account has.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events import (
    AuditRecorded,
    BalanceLow,
    MessageAccepted,
    MessagePartFailed,
    MessagePartStatusReported,
    parse_event,
    utcnow,
)
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases, migrate
from tests.support.inbox import fetched

pytestmark = pytest.mark.asyncio(loop_scope="session")

WAIT_SECONDS = 30
E = TypeVar("E", BalanceLow, AuditRecorded)


@dataclass
class Billing:
    client: httpx.AsyncClient
    app: FastAPI
    broker: str
    database_url: str

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        maker: async_sessionmaker[AsyncSession] = self.app.state.runtime.sessionmaker
        return maker

    async def process(self, *events: Any) -> None:
        (consumer,) = self.app.state.runtime.consumers
        await consumer.process(fetched(*events))

    async def credit(self, account_id: UUID, amount: str, key: str | None = None) -> bool:
        from billing_service.ledger.money import to_units
        from billing_service.ledger.service import post_credit

        async with self.sessionmaker() as session, session.begin():
            return await post_credit(
                session,
                account_id=account_id,
                amount_units=to_units(Decimal(amount)),
                kind="top_up",
                idempotency_key=key or f"test:{uuid4()}",
            )

    async def get(self, token: str, path: str, **params: Any) -> Any:
        response = await self.client.get(path, headers=bearer(token), params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def balance(self, token: str) -> str:
        body = await self.get(token, "/v1/billing/balance")
        return str(body["balance"])

    async def balance_low_events(self, account_id: UUID, count: int) -> list[BalanceLow]:
        return await self.published(BalanceLow, account_id, count)

    async def published(self, kind: type[E], account_id: UUID, count: int) -> list[E]:
        """The events of `kind` published for the account: `count` of them, and then none
        more for a second (the relay publishes after the commit, so this waits for them)."""
        consumer = AIOKafkaConsumer(
            kind.topic,
            bootstrap_servers=self.broker,
            group_id=None,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        seen: list[E] = []
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                while len(seen) < count:
                    seen += await _read(consumer, kind, account_id)
            seen += await _read(consumer, kind, account_id, timeout_ms=1000)
        finally:
            await consumer.stop()
        return seen


async def _read(
    consumer: AIOKafkaConsumer, kind: type[E], account_id: UUID, timeout_ms: int = 500
) -> list[E]:
    found = []
    for records in (await consumer.getmany(timeout_ms=timeout_ms)).values():
        for record in records:
            event = parse_event(record.value)
            if isinstance(event, kind) and event.account_id == account_id:
                found.append(event)
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def accepted(account_id: UUID, segments: int, to: str = "+447700900123") -> MessageAccepted:
    return MessageAccepted(
        account_id=account_id,
        message_id=uuid4(),
        to=to,
        sender="Acme",
        encoding="gsm7",
        segments=segments,
    )


@pytest.fixture(scope="module")
async def billing(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Billing]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    database_url = await databases.create("billing")
    settings = BillingSettings(
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("0"),
        price_per_part=Decimal("0.05"),
        consumer_group=f"billing-ledger-{uuid4().hex[:8]}",
        environment="test",
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app, broker, database_url)


async def unbalanced_transactions(session: AsyncSession) -> list[Any]:
    from billing_service.ledger.models import LedgerPosting

    statement = (
        select(LedgerPosting.transaction_id)
        .group_by(LedgerPosting.transaction_id)
        .having(func.sum(LedgerPosting.amount_units) != 0)
    )
    return list((await session.scalars(statement)).all())


async def test_a_part_the_smsc_refused_is_refunded_once(
    billing: Billing, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    message = accepted(account_id, segments=3)
    await billing.process(message)
    assert await billing.balance(token) == "0.85"

    failed = MessagePartFailed(
        account_id=account_id, message_id=message.message_id, part_index=2, error_code="smpp_0x0b"
    )
    # The event twice (a redelivery) and a second event about the same part: one refund.
    again = failed.model_copy(update={"event_id": uuid4()})
    await billing.process(failed, failed)
    await billing.process(again)

    assert await billing.balance(token) == "0.90"
    items = (await billing.get(token, "/v1/billing/transactions"))["items"]
    assert [(i["kind"], i["amount"], i["parts"]) for i in items] == [
        ("refund", "0.05", 1),
        ("charge", "-0.15", 3),
        ("top_up", "1.00", None),
    ]
    assert items[0]["message_id"] == str(message.message_id)
    async with billing.sessionmaker() as session:
        assert await unbalanced_transactions(session) == []


async def test_undelivered_after_submission_stays_charged_unless_configured(
    billing: Billing, auth_service: AuthClient
) -> None:
    from billing_service.ledger.consumer import billing_consumer

    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    message = accepted(account_id, segments=2)
    await billing.process(message)
    report = MessagePartStatusReported(
        account_id=account_id,
        message_id=message.message_id,
        part_index=1,
        smsc_message_id="abc",
        status="undelivered",
        reported_at=utcnow(),
    )
    # The default: billing does not even listen to receipts.
    await billing.process(report)
    assert await billing.balance(token) == "0.90"

    # BILLING_REFUND_UNDELIVERED=true: the same report refunds the part.
    state = billing.app.state
    spec = billing_consumer(state.pricing, state.tariffs, state.companies, refund_undelivered=True)
    assert report.topic in spec.topics
    async with billing.sessionmaker() as session, session.begin():
        await spec.handlers["message.part_status_reported"](session, report)  # type: ignore[operator]
        delivered = report.model_copy(update={"part_index": 2, "status": "delivered"})
        await spec.handlers["message.part_status_reported"](session, delivered)  # type: ignore[operator]
    assert await billing.balance(token) == "0.95"


async def test_post_credit_posts_once_per_key(billing: Billing, auth_service: AuthClient) -> None:
    from billing_service.ledger.service import post_credit

    account_id, token = await auth_service.new_account()
    assert await billing.credit(account_id, "2.50", key="payment:42") is True
    assert await billing.credit(account_id, "2.50", key="payment:42") is False
    assert await billing.balance(token) == "2.50"
    async with billing.sessionmaker() as session, session.begin():
        for bad in ({"amount_units": 0}, {"kind": "charge"}, {"counter_account": "balance"}):
            arguments: dict[str, Any] = {
                "account_id": account_id,
                "amount_units": 100,
                "kind": "top_up",
                "idempotency_key": f"bad:{uuid4()}",
                **bad,
            }
            with pytest.raises(ValueError, match="credit|one of|can't fund"):
                await post_credit(session, **arguments)
    assert await billing.balance(token) == "2.50"


async def test_a_declined_message_is_never_charged_later(
    billing: Billing, auth_service: AuthClient
) -> None:
    """Dispatch rejects a declined message for good: another event for it, after the
    customer topped up, must not take money for a message that was never sent."""
    from billing_service.ledger.service import charge_messages

    account_id, token = await auth_service.new_account()
    event = accepted(account_id, segments=2)  # 0.10, on an empty balance
    async with billing.sessionmaker() as session, session.begin():
        await charge_messages(
            session, billing.app.state.pricing, billing.app.state.tariffs, [event]
        )
    await billing.credit(account_id, "1.00")

    again = event.model_copy(update={"event_id": uuid4()})
    async with billing.sessionmaker() as session, session.begin():
        await charge_messages(
            session, billing.app.state.pricing, billing.app.state.tariffs, [again]
        )

    assert await billing.balance(token) == "1.00"
    statement = (await billing.get(token, "/v1/billing/transactions"))["items"]
    assert [t["kind"] for t in statement] == ["top_up"]


async def test_concurrent_charges_on_the_last_cent_never_overdraw_or_double(
    billing: Billing, auth_service: AuthClient
) -> None:
    from billing_service.ledger.service import charge_messages

    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "0.05")
    rivals = [accepted(account_id, segments=1) for _ in range(6)]
    # The same message twice as well: charged at most once.
    rivals.append(rivals[0].model_copy(update={"event_id": uuid4()}))

    async def charge(event: MessageAccepted) -> None:
        async with billing.sessionmaker() as session, session.begin():
            await charge_messages(
                session, billing.app.state.pricing, billing.app.state.tariffs, [event]
            )

    await asyncio.gather(*(charge(event) for event in rivals))

    assert await billing.balance(token) == "0.00"
    charges = (await billing.get(token, "/v1/billing/transactions", type="charge"))["items"]
    assert [c["amount"] for c in charges] == ["-0.05"]
    async with billing.sessionmaker() as session:
        assert await unbalanced_transactions(session) == []


async def test_the_statement_pages_and_filters(billing: Billing, auth_service: AuthClient) -> None:
    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    messages = [accepted(account_id, segments=1) for _ in range(5)]
    for message in messages:
        await billing.process(message)

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "type": "charge"}
        if cursor:
            params["cursor"] = cursor
        page = await billing.get(token, "/v1/billing/transactions", **params)
        seen += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert sorted(i["message_id"] for i in seen) == sorted(str(m.message_id) for m in messages)
    assert {i["kind"] for i in seen} == {"charge"}

    both = await billing.get(
        token, "/v1/billing/transactions", type=["charge", "top_up"], limit=500
    )
    assert len(both["items"]) == 6
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert (await billing.get(token, "/v1/billing/transactions", **{"from": later}))["items"] == []
    # Someone else's statement shows none of it.
    _, stranger = await auth_service.new_account()
    assert (await billing.get(stranger, "/v1/billing/transactions"))["items"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "invalid_range"),
        ({"type": "gift"}, "validation_error"),
    ],
)
async def test_a_bad_statement_query_is_a_problem(
    billing: Billing, auth_service: AuthClient, params: dict[str, str], code: str
) -> None:
    _, token = await auth_service.new_account()
    response = await billing.client.get(
        "/v1/billing/transactions", headers=bearer(token), params=params
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_low_balance_is_said_once_per_crossing(
    billing: Billing, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")  # default threshold: 10 % = 0.10
    low = await billing.get(token, "/v1/billing/low-balance-threshold")
    assert low == {"threshold": "0.10", "custom": False, "below": False, "currency": "EUR"}

    response = await billing.client.put(
        "/v1/billing/low-balance-threshold", headers=bearer(token), json={"amount": "0.50"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["threshold"] == "0.50"
    await billing.process(accepted(account_id, segments=10))  # 0.50 left: not below
    assert (await billing.get(token, "/v1/billing/low-balance-threshold"))["below"] is False
    await billing.process(accepted(account_id, segments=1))  # 0.45: crossed
    await billing.process(accepted(account_id, segments=1))  # 0.40: still below, no news
    events = await billing.balance_low_events(account_id, 1)
    assert [(e.balance, e.threshold, e.currency) for e in events] == [("0.45", "0.50", "EUR")]

    await billing.credit(account_id, "0.20")  # 0.60: lifted above
    assert (await billing.get(token, "/v1/billing/low-balance-threshold"))["below"] is False
    await billing.process(accepted(account_id, segments=3))  # 0.45 again: a new crossing
    events = await billing.balance_low_events(account_id, 2)
    assert [e.balance for e in events] == ["0.45", "0.45"]


@pytest.mark.parametrize("amount", ["-1", "0.00001", "abc"])
async def test_a_bad_threshold_changes_nothing(
    billing: Billing, auth_service: AuthClient, amount: str
) -> None:
    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    response = await billing.client.put(
        "/v1/billing/low-balance-threshold", headers=bearer(token), json={"amount": amount}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert (await billing.get(token, "/v1/billing/low-balance-threshold"))["threshold"] == "0.10"


async def test_existing_entries_migrate_to_balanced_transactions(databases: Databases) -> None:
    from shared.db import create_engine

    if databases.backend != "postgresql":
        pytest.skip("the SQL below is PostgreSQL's")
    url = await databases.create("billing")
    await asyncio.to_thread(migrate, "billing", url, "downgrade", "5b7e2c1d9a40")
    account_id, charged = uuid4(), uuid4()
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO balances (account_id, amount_units, currency, updated_at)"
                    " VALUES (:a, 1500, 'EUR', now())"
                ),
                {"a": account_id},
            )
            await connection.execute(
                text(
                    "INSERT INTO ledger_entries (id, account_id, message_id, kind, amount_units,"
                    " idempotency_key, created_at) VALUES"
                    " (:s, :a, NULL, 'starter_credit', 2000, :sk, now()),"
                    " (:c, :a, :m, 'charge', -500, :ck, now())"
                ),
                {
                    "s": uuid4(),
                    "c": uuid4(),
                    "a": account_id,
                    "m": charged,
                    "sk": f"starter:{account_id}",
                    "ck": f"charge:{charged}",
                },
            )
        await asyncio.to_thread(migrate, "billing", url)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT t.kind, p.book, p.amount_units FROM ledger_postings p"
                        " JOIN ledger_transactions t ON t.id = p.transaction_id"
                        " ORDER BY t.kind, p.line"
                    )
                )
            ).all()
            last_credit = (
                await connection.execute(text("SELECT last_credit_units FROM balances"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("charge", "balance", -500),
        ("charge", "revenue", 500),
        ("starter_credit", "balance", 2000),
        ("starter_credit", "promotions", -2000),
    ]
    assert last_credit == 2000


async def ledger_spend(billing: Billing, account_id: UUID) -> str:
    """What the postings say the account spent: the balance legs of its charges and refunds."""
    from billing_service.ledger.models import LedgerPosting, LedgerTransaction
    from billing_service.ledger.money import format_units

    statement = (
        select(func.sum(LedgerPosting.amount_units))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(
            LedgerPosting.account_id == account_id,
            LedgerTransaction.kind.in_(["charge", "refund"]),
        )
    )
    async with billing.sessionmaker() as session:
        return format_units(-int((await session.scalar(statement)) or 0))


async def test_usage_equals_the_ledger_to_the_cent(
    billing: Billing, auth_service: AuthClient
) -> None:
    from shared.events import BatchAccepted, BatchedMessage

    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "5.00")
    british = accepted(account_id, segments=3)
    german = accepted(account_id, segments=1, to="+4915112345678").model_copy(
        update={"sender": "=HYPERLINK(1)"}
    )
    batch = BatchAccepted(
        account_id=account_id,
        batch_id=uuid4(),
        messages=[
            BatchedMessage(message_id=uuid4(), segments=2, to="+4915112345679", sender="Acme"),
            BatchedMessage(message_id=uuid4(), segments=1, to="+447700900124", sender="Acme"),
        ],
    )
    await billing.process(british, german, batch)
    refund = MessagePartFailed(
        account_id=account_id, message_id=british.message_id, part_index=3, error_code="smpp_0x0b"
    )
    await billing.process(refund)

    by_country = await billing.get(token, "/v1/billing/usage", group_by="country")
    assert [
        (r["key"], r["messages"], r["parts"], r["refunded_parts"], r["amount"])
        for r in by_country["rows"]
    ] == [("DE", 2, 3, 0, "0.15"), ("GB", 2, 4, 1, "0.15")]
    assert by_country["total"]["amount"] == "0.30" == await ledger_spend(billing, account_id)
    assert by_country["currency"] == "EUR"

    by_day = await billing.get(token, "/v1/billing/usage", group_by="day")
    assert [r["key"] for r in by_day["rows"]] == [utcnow().date().isoformat()]
    assert by_day["total"] == {**by_country["total"]}

    by_sender = await billing.get(token, "/v1/billing/usage", group_by="sender")
    assert {r["key"]: r["amount"] for r in by_sender["rows"]} == {
        "=HYPERLINK(1)": "0.05",
        "Acme": "0.25",
    }
    response = await billing.client.get(
        "/v1/billing/usage.csv", headers=bearer(token), params={"group_by": "sender"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "sender,messages,parts,refunded_parts,amount,currency",
        "'=HYPERLINK(1),1,1,0,0.05,EUR",
        "Acme,3,6,1,0.25,EUR",
        "total,4,7,1,0.30,EUR",
    ]
    # Nothing before the charges; nobody else's usage.
    earlier = await billing.get(
        token, "/v1/billing/usage", **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    )
    assert (earlier["rows"], earlier["total"]["amount"]) == ([], "0.00")
    _, stranger = await auth_service.new_account()
    assert (await billing.get(stranger, "/v1/billing/usage"))["rows"] == []


async def test_a_non_geographic_number_is_charged_without_a_country(
    billing: Billing, auth_service: AuthClient
) -> None:
    """+800 freephone has no country; a batch (whose events carry no country) still charges
    and reports it, rather than failing the whole consumer batch on a three-letter region."""
    from shared.events import BatchAccepted, BatchedMessage

    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    batch = BatchAccepted(
        account_id=account_id,
        batch_id=uuid4(),
        messages=[BatchedMessage(message_id=uuid4(), segments=2, to="+80012345678", sender="Acme")],
    )
    await billing.process(batch)

    assert await billing.balance(token) == "0.90"
    by_country = await billing.get(token, "/v1/billing/usage", group_by="country")
    assert [(r["key"], r["parts"], r["amount"]) for r in by_country["rows"]] == [("", 2, "0.10")]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "invalid_range"),
        ({"group_by": "week"}, "validation_error"),
    ],
)
async def test_a_bad_usage_query_is_a_problem(
    billing: Billing, auth_service: AuthClient, params: dict[str, str], code: str
) -> None:
    _, token = await auth_service.new_account()
    for path in ("/v1/billing/usage", "/v1/billing/usage.csv"):
        response = await billing.client.get(path, headers=bearer(token), params=params)
        assert response.status_code == 422
        assert response.json()["code"] == code


async def test_reconcile_finds_an_injected_difference(
    billing: Billing, auth_service: AuthClient, capsys: pytest.CaptureFixture[str]
) -> None:
    from billing_service.config import BillingSettings
    from billing_service.ledger.models import Balance, LedgerPosting, LedgerTransaction
    from billing_service.reconcile.__main__ import main
    from billing_service.reconcile.service import reconcile

    account_id, _ = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    await billing.process(accepted(account_id, segments=2))
    async with billing.sessionmaker() as session:
        clean = await reconcile(session, [account_id])
    assert clean.ok, clean.render()
    assert (clean.accounts, clean.transactions) == (1, 2)

    # Money made from nothing: the stored balance raised without a transaction, and a
    # transaction given a third leg that unbalances it.
    async with billing.sessionmaker() as session, session.begin():
        await session.execute(
            update(Balance).where(Balance.account_id == account_id).values(amount_units=9_999)
        )
        charge_id = await session.scalar(
            select(LedgerTransaction.id).where(
                LedgerTransaction.account_id == account_id, LedgerTransaction.kind == "charge"
            )
        )
        # In another currency too: money never changes currency inside a transaction.
        session.add(
            LedgerPosting(
                transaction_id=charge_id, line=3, book="revenue", amount_units=1, currency="USD"
            )
        )
    async with billing.sessionmaker() as session:
        found = await reconcile(session, [account_id])
    assert found.differences == [
        f"account {account_id}: balance 0.9999 but postings sum to 0.90 (difference 0.0999)",
        f"transaction {charge_id}: postings sum to 0.0001, not zero",
        f"transaction {charge_id}: 1 legs in another currency than its own",
    ]

    settings = BillingSettings(database_url=billing.database_url)
    assert await main(settings) == 1
    out = capsys.readouterr().out
    assert f"account {account_id}: balance 0.9999" in out
    # Put the books right again for the other tests of the module (reconcile is global).
    async with billing.sessionmaker() as session, session.begin():
        await session.execute(
            update(Balance).where(Balance.account_id == account_id).values(amount_units=9_000)
        )
        await session.execute(
            delete(LedgerPosting).where(
                LedgerPosting.transaction_id == charge_id, LedgerPosting.line == 3
            )
        )
    assert await main(settings) == 0


# One operation on an account: charge a message of n parts, refund part k of the i-th
# message charged so far, credit an amount under key j (few keys: replays happen), or
# replay the i-th message's acceptance.
Operation = (
    tuple[Literal["charge"], int]
    | tuple[Literal["refund"], int, int]
    | tuple[Literal["credit"], int, int]
    | tuple[Literal["replay"], int]
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.integers(1, 4)),
        st.tuples(st.just("refund"), st.integers(0, 3), st.integers(1, 2)),
        st.tuples(st.just("credit"), st.integers(1, 3_000), st.integers(0, 3)),
        st.tuples(st.just("replay"), st.integers(0, 3)),
    ),
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # No shrinking: against a database it takes minutes; the failing sequence is printed.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(ops=operations)
async def test_the_ledger_never_makes_loses_or_doubles_money(
    billing: Billing, ops: list[Operation]
) -> None:
    """Random sequences of charges, refunds, credits and replays, checked against a model:
    the balance is what the model says, never negative, and the books balance."""
    from billing_service.ledger.repository import LedgerRepository
    from billing_service.ledger.service import charge_messages, post_credit, refund_part
    from billing_service.reconcile.service import reconcile

    account_id = uuid4()
    pricing, tariffs = billing.app.state.pricing, billing.app.state.tariffs
    price = 500  # 0.05 a part, in units
    expected = 0
    charged: list[MessageAccepted] = []  # in order, with whether each was paid
    paid: set[UUID] = set()
    refunded: set[tuple[UUID, int]] = set()
    credit_keys: set[int] = set()
    declined: set[UUID] = set()
    # Some money to start with, or most sequences would be only declines.
    ops = [("credit", 2_000, 3), *ops]
    for op in ops:
        async with billing.sessionmaker() as session, session.begin():
            if op[0] == "charge" or (op[0] == "replay" and charged):
                if op[0] == "charge":
                    event = accepted(account_id, segments=op[1])
                    charged.append(event)
                else:
                    event = charged[op[1] % len(charged)].model_copy(update={"event_id": uuid4()})
                await charge_messages(session, pricing, tariffs, [event])
                cost = event.segments * price
                # A decline is final: dispatch rejected the message, so a later event for it
                # (a new event id, not a redelivery) charges nothing.
                if event.message_id in paid or event.message_id in declined:
                    pass
                elif cost <= expected:
                    expected -= cost
                    paid.add(event.message_id)
                else:
                    declined.add(event.message_id)
            elif op[0] == "refund" and charged:
                event = charged[op[1] % len(charged)]
                part = min(op[2], event.segments)
                await refund_part(session, event.message_id, part)
                if event.message_id in paid and (event.message_id, part) not in refunded:
                    refunded.add((event.message_id, part))
                    expected += price
            elif op[0] == "credit":
                _, amount, key = op
                posted = await post_credit(
                    session,
                    account_id=account_id,
                    amount_units=amount,
                    kind="top_up",
                    idempotency_key=f"prop:{account_id}:{key}",
                )
                assert posted == (key not in credit_keys)
                if posted:
                    credit_keys.add(key)
                    expected += amount
        async with billing.sessionmaker() as session:
            state = await LedgerRepository(session).balance(account_id)
        actual = 0 if state is None else state.amount_units
        assert actual == expected >= 0
    async with billing.sessionmaker() as session:
        report = await reconcile(session, [account_id])
    assert report.ok, report.render()


@pytest.fixture(scope="module")
async def ops(auth_service: AuthClient) -> dict[str, str]:
    from tests.integration.test_senders import token_as

    _, token = await auth_service.new_account("Platform operators")
    return bearer(token_as(auth_service, token, "ops"))


async def test_an_operator_penalises_a_case_once(
    billing: Billing, auth_service: AuthClient, ops: dict[str, str]
) -> None:

    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    body = {
        "account_id": str(account_id),
        "amount": "0.30",
        "case_id": "R9-2026-0042",
        "reason": "Unsolicited marketing to opted-out numbers",
    }

    posted = await billing.client.post("/v1/ops/penalties", json=body, headers=ops)
    again = await billing.client.post("/v1/ops/penalties", json=body, headers=ops)

    assert posted.status_code == 201, posted.text
    assert {k: posted.json()[k] for k in ("amount", "balance", "currency")} == {
        "amount": "0.30",
        "balance": "0.70",
        "currency": "EUR",
    }
    assert again.status_code == 409
    assert again.json()["code"] == "penalty_exists"
    assert await billing.balance(token) == "0.70"
    [penalty] = (await billing.get(token, "/v1/billing/transactions", type="penalty"))["items"]
    assert (penalty["amount"], penalty["memo"]) == ("-0.30", body["reason"])
    async with billing.sessionmaker() as session:
        assert await unbalanced_transactions(session) == []
    [audited] = await billing.published(AuditRecorded, account_id, 1)
    assert (audited.actor_type, audited.action, audited.object_id) == (
        "operator",
        "billing.penalty_posted",
        posted.json()["transaction_id"],
    )
    assert audited.details == {"case_id": "R9-2026-0042", "amount": "0.30"}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount": "5.00"}, 422, "insufficient_funds"),
        ({"amount": "0"}, 422, "validation_error"),
        ({"amount": "0.00001"}, 422, "validation_error"),
        ({"account_id": "00000000-0000-4000-8000-000000000000"}, 404, "not_found"),
    ],
)
async def test_a_bad_penalty_changes_nothing(
    billing: Billing,
    auth_service: AuthClient,
    ops: dict[str, str],
    change: dict[str, str],
    status: int,
    code: str,
) -> None:
    account_id, token = await auth_service.new_account()
    await billing.credit(account_id, "1.00")
    body = {"account_id": str(account_id), "amount": "0.10", "case_id": f"c-{uuid4()}"}
    body |= {"reason": "spam", **change}

    response = await billing.client.post("/v1/ops/penalties", json=body, headers=ops)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await billing.balance(token) == "1.00"
    assert (await billing.get(token, "/v1/billing/transactions", type="penalty"))["items"] == []


async def test_only_operators_post_penalties(billing: Billing, auth_service: AuthClient) -> None:
    account_id, token = await auth_service.new_account()
    body = {"account_id": str(account_id), "amount": "0.10", "case_id": "x", "reason": "r"}
    response = await billing.client.post("/v1/ops/penalties", json=body, headers=bearer(token))
    assert response.status_code == 403

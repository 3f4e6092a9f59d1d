"""billing's retention by clock (R18), against its own migrated database: the projection of
accepted messages goes 120 days after acceptance, which is longer than the reconciliation
looks back (so trimming it never makes an old charge look unaccepted), and a decided refund
request's bank details are blanked 400 days after the decision, the request and its amount
staying; open requests and younger rows keep everything."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.config import BillingSettings
from billing_service.ledger.models import Balance, LedgerPosting, LedgerTransaction
from billing_service.messages.models import AcceptedMessage
from billing_service.reconcile.service import reconcile
from billing_service.retention.service import retention_job
from billing_service.terminations.models import RefundRequest
from shared.db import create_engine, create_sessionmaker
from shared.retention import RetentionJob
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
IBAN = "NL91ABNA0417164300"


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("billing"))
    yield create_sessionmaker(engine)
    await engine.dispose()


def job(sessions: async_sessionmaker[AsyncSession]) -> RetentionJob:
    settings = BillingSettings()
    return retention_job(
        sessions,
        2,  # small batches: the job goes on until a batch comes back short
        accepted_messages_days=settings.accepted_messages_days,
        refund_details_days=settings.refund_details_days,
        clock=lambda: NOW,
    )


async def charged(
    sessions: async_sessionmaker[AsyncSession], account_id: UUID, at: datetime
) -> UUID:
    """A message accepted and charged 0.05 at `at`, paid from a 0.05 credit: the books agree."""
    message_id = uuid4()
    async with sessions() as session, session.begin():
        session.add(Balance(account_id=account_id, amount_units=0, currency="EUR"))
        credit, charge = uuid4(), uuid4()
        session.add_all(
            [
                LedgerTransaction(
                    id=credit,
                    account_id=account_id,
                    kind="manual_adjustment",
                    amount_units=500,
                    currency="EUR",
                    idempotency_key=f"test:{credit}",
                    created_at=at,
                ),
                LedgerTransaction(
                    id=charge,
                    account_id=account_id,
                    kind="charge",
                    amount_units=-500,
                    currency="EUR",
                    idempotency_key=f"charge:{message_id}",
                    message_id=message_id,
                    parts=1,
                    created_at=at,
                ),
                AcceptedMessage(
                    message_id=message_id, account_id=account_id, parts=1, accepted_at=at
                ),
            ]
        )
        await session.flush()
        session.add_all(
            [
                LedgerPosting(
                    transaction_id=credit,
                    line=1,
                    book="balance",
                    account_id=account_id,
                    amount_units=500,
                    currency="EUR",
                ),
                LedgerPosting(
                    transaction_id=credit,
                    line=2,
                    book="payment_clearing",
                    amount_units=-500,
                    currency="EUR",
                ),
                LedgerPosting(
                    transaction_id=charge,
                    line=1,
                    book="balance",
                    account_id=account_id,
                    amount_units=-500,
                    currency="EUR",
                ),
                LedgerPosting(
                    transaction_id=charge, line=2, book="revenue", amount_units=500, currency="EUR"
                ),
            ]
        )
    return message_id


async def test_accepted_messages_go_after_their_period_and_the_reconciliation_never_misses_them(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = BillingSettings()
    old_account, young_account = uuid4(), uuid4()
    old = await charged(sessions, old_account, NOW - 121 * DAY)
    young = await charged(sessions, young_account, NOW - 119 * DAY)

    done = await job(sessions).run_once()

    assert done["accepted_messages"] == 1
    async with sessions() as session:
        kept = set(await session.scalars(select(AcceptedMessage.message_id)))
        assert old not in kept
        assert young in kept
        # The charge stays in the ledger: an accounting record. The reconciliation compares
        # only what is younger than its look-back, which the projection outlives...
        window = NOW - timedelta(days=settings.reconcile_messages_days)
        report = await reconcile(session, [old_account, young_account], messages_since=window)
        assert report.differences == []
        # ...without which the trimmed message's charge would be a false alarm.
        unwindowed = await reconcile(session, [old_account])
        [difference] = unwindowed.differences
        assert f"message {old}, which dispatch never accepted" in difference


async def test_decided_refunds_lose_their_bank_details_after_their_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    def request(state: str, decided_at: datetime | None) -> RefundRequest:
        return RefundRequest(
            account_id=uuid4(),
            close_event_id=uuid4(),
            state=state,
            amount_units=12_300,
            currency="EUR",
            holder="Erika Mustermann",
            iban=IBAN,
            bic="ABNANL2A",
            details_at=NOW - 500 * DAY,
            decided_at=decided_at,
        )

    past = NOW - 401 * DAY
    blanked = [request(state, past) for state in ("paid", "rejected", "withdrawn")]
    kept = [
        request("paid", NOW - 399 * DAY),  # not yet
        request("requested", None),  # still to be paid: its details are needed
    ]
    async with sessions() as session, session.begin():
        session.add_all(blanked + kept)

    done = await job(sessions).run_once()

    assert done["refund_bank_details"] == 3
    async with sessions() as session:
        rows = {r.id: r for r in await session.scalars(select(RefundRequest))}
    for gone in blanked:
        row = rows[gone.id]
        assert (row.holder, row.iban, row.bic) == (None, None, None)
        assert (row.state, row.amount_units, row.decided_at) == (gone.state, 12_300, past)
    for stays in kept:
        assert (rows[stays.id].holder, rows[stays.id].iban) == ("Erika Mustermann", IBAN)
    assert (await job(sessions).run_once())["refund_bank_details"] == 0


async def test_accepted_messages_must_outlive_the_reconciliations_look_back() -> None:
    with pytest.raises(ValidationError, match="BILLING_ACCEPTED_MESSAGES_DAYS"):
        BillingSettings(accepted_messages_days=90, reconcile_messages_days=90)
    assert BillingSettings().accepted_messages_days > BillingSettings().reconcile_messages_days

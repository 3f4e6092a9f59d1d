"""The reconciliation against billing's projection of dispatch's messages (issue 10 item 8),
against PostgreSQL and the broker: a charge whose message dispatch never accepted, and a
message accepted but neither charged nor declined, are reported; a declined one is not."""

from collections.abc import AsyncIterator
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import delete

from shared.events import AccountRegistered, utcnow
from shared.kafka import new_producer
from tests.integration.test_billing import Billing, accepted, batch_accepted, publish
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def billing(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Billing]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app

    settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        starter_credit=Decimal("0.20"),
        price_per_part=Decimal("0.05"),
        environment="test",
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app)


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    kafka_producer = new_producer(broker)
    await kafka_producer.start()
    yield kafka_producer
    await kafka_producer.stop()


async def differences(billing: Billing, account_id: UUID) -> list[str]:
    from billing_service.reconcile.service import reconcile

    async with billing.app.state.runtime.sessionmaker() as session:
        report = await reconcile(session, [account_id])
    return report.differences


async def balance_units(billing: Billing, account_id: UUID) -> int | None:
    from billing_service.ledger.repository import LedgerRepository

    async with billing.app.state.runtime.sessionmaker() as session:
        state = await LedgerRepository(session).balance(account_id)
    return None if state is None else state.amount_units


async def test_charges_and_accepted_messages_are_reconciled_both_ways(
    billing: Billing, producer: AIOKafkaProducer
) -> None:
    from billing_service.messages.models import AcceptedMessage

    account_id = uuid4()
    registered = AccountRegistered(
        account_id=account_id, email=f"{account_id}@example.com", company_name="Acme"
    )
    await publish(producer, registered)
    await billing.wait_until_handled(registered.event_id)
    charged = accepted(account_id, 1)
    declined = accepted(account_id, 5)  # 0.25 > the 0.15 left: declined, never charged
    batch = batch_accepted(account_id, 1, 1)  # 0.10 of the 0.15 left
    declined_batch = batch_accepted(account_id, 1, 1)  # 0.10 > 0.05: declined whole
    for event in (charged, declined, batch, declined_batch):
        await publish(producer, event)
        await billing.wait_until_handled(event.event_id)
    assert await balance_units(billing, account_id) == 500  # 0.20 - 0.05 - 0.10
    assert await differences(billing, account_id) == []

    sessionmaker = billing.app.state.runtime.sessionmaker
    # Injected: the projection lost the charged message, and heard of one never charged.
    ghost = uuid4()
    async with sessionmaker() as session, session.begin():
        await session.execute(
            delete(AcceptedMessage).where(AcceptedMessage.message_id == charged.message_id)
        )
        session.add(
            AcceptedMessage(message_id=ghost, account_id=account_id, parts=2, accepted_at=utcnow())
        )
    found = await differences(billing, account_id)
    assert len(found) == 2, found
    assert any(str(charged.message_id) in line and "never accepted" in line for line in found), (
        found
    )
    assert any(str(ghost) in line and "never charged" in line for line in found), found
    assert not any(str(declined.message_id) in line for line in found)

    # Put back: the books agree again (and the reconcile job only ever read).
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(AcceptedMessage).where(AcceptedMessage.message_id == ghost))
        session.add(
            AcceptedMessage(
                message_id=charged.message_id, account_id=account_id, parts=2, accepted_at=utcnow()
            )
        )
    assert await differences(billing, account_id) == [
        f"message {charged.message_id}: accepted with 2 parts but 1 charged"
    ]

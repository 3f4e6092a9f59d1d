"""Recipients' opt-outs at dispatch's intake, against the real dispatch app, PostgreSQL and
the broker: `recipient.consent_changed` events (published here directly, as dlr does for a
STOP reply) refuse the account's marketing messages to that number and nothing else."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from shared.events import RecipientConsentChanged, utcnow
from tests.support.apps import AuthClient
from tests.support.databases import Databases
from tests.support.dispatch_app import Dispatch as RunningDispatch
from tests.support.dispatch_app import running_dispatch

pytestmark = pytest.mark.asyncio(loop_scope="session")

HANDSET = "+447700900321"


@dataclass
class Dispatch(RunningDispatch):
    async def send(self, token: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            "/v1/messages",
            json={"to": HANDSET, "text": "Sale today", **body},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def batch(self, token: str, **body: Any) -> httpx.Response:
        return await self.client.post(
            "/v1/messages/batch",
            json={"text": "Sale today", "to": ["+447700900401", HANDSET], **body},
            headers={"Authorization": f"Bearer {token}"},
        )


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    async with running_dispatch(
        databases, broker, auth_service, "consent", sender_approval_required=False
    ) as running:
        yield Dispatch(running.app, running.client, running.producer)


def _stop(account_id: UUID, opted_out: bool = True, **fields: Any) -> RecipientConsentChanged:
    return RecipientConsentChanged(
        account_id=account_id,
        phone=HANDSET,
        opted_out=opted_out,
        source="keyword",
        **{"evidence": "STOP" if opted_out else "START", **fields},
    )


async def test_an_opted_out_number_gets_no_marketing_but_still_transactional(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    assert (await dispatch.send(token, purpose="marketing")).status_code == 202

    await dispatch.applied(_stop(account_id))

    refused = await dispatch.send(token, purpose="marketing")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "recipient_opted_out"
    # Transactional is the default of a single message: codes and notices still go.
    receipt = await dispatch.send(token, text="Your order shipped")
    assert receipt.status_code == 202, receipt.text
    assert receipt.json()["purpose"] == "transactional"
    # A batch is marketing unless it says otherwise: the number is left out, the rest go.
    batch = await dispatch.batch(token)
    assert batch.status_code == 202, batch.text
    assert [m["to"] for m in batch.json()["messages"]] == ["+447700900401"]
    assert [(r["index"], r["code"]) for r in batch.json()["rejected"]] == [
        (1, "recipient_opted_out")
    ]
    notice = await dispatch.batch(token, purpose="transactional")
    assert notice.status_code == 202, notice.text
    assert notice.json()["accepted"] == 2


async def test_one_accounts_opt_out_is_not_anothers(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    opted_out_of, _ = await auth_service.new_account()
    _, other = await auth_service.new_account()

    await dispatch.applied(_stop(opted_out_of))

    assert (await dispatch.send(other, purpose="marketing")).status_code == 202


async def test_start_opts_back_in_and_an_older_stop_replayed_changes_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    stop = _stop(account_id, occurred_at=utcnow() - timedelta(minutes=5))
    await dispatch.applied(stop)
    assert (await dispatch.send(token, purpose="marketing")).status_code == 422

    await dispatch.applied(_stop(account_id, opted_out=False))
    assert (await dispatch.send(token, purpose="marketing")).status_code == 202

    # The old STOP again, as a new event (a replay from another consumer's dead letters):
    # older than the START, so the START stands.
    await dispatch.applied(_stop(account_id, occurred_at=stop.occurred_at))
    assert (await dispatch.send(token, purpose="marketing")).status_code == 202

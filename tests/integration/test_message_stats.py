"""Messages per day and status for the dashboard's chart (issue 12): each UTC day of the
range listed with every status, only the caller's account counted, ranges bounded."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, create_sessionmaker
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


@dataclass
class Dispatch:
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]


@pytest.fixture(scope="module")
async def dispatch(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Dispatch]:
    from dispatch_service.config import DispatchSettings
    from dispatch_service.main import create_app

    database_url = await databases.create("dispatch")
    settings = DispatchSettings(
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        environment="test",
        consumer_group=f"dispatch-{uuid4().hex[:8]}",
    )
    engine = create_engine(database_url)
    async with running_app(create_app(settings)) as client:
        yield Dispatch(client, create_sessionmaker(engine))
    await engine.dispose()


async def add_messages(
    dispatch: Dispatch, account_id: UUID, *created: tuple[datetime, str]
) -> None:
    from dispatch_service.messages.models import Message

    async with dispatch.sessions() as session, session.begin():
        for n, (at, status) in enumerate(created):
            session.add(
                Message(
                    account_id=account_id,
                    to_number=f"+4477009{n:05d}",
                    sender="Acme",
                    text="Hello",
                    encoding="gsm7",
                    segments=1,
                    concat_reference=n % 256,
                    status=status,
                    created_at=at,
                )
            )


async def stats(dispatch: Dispatch, token: str, **params: Any) -> httpx.Response:
    return await dispatch.http.get(
        "/v1/messages/stats", params=params, headers={"Authorization": f"Bearer {token}"}
    )


async def test_each_day_of_the_range_counts_the_accounts_messages_by_status(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    other_id, _ = await auth_service.new_account("Other")
    await add_messages(
        dispatch,
        account_id,
        (MONDAY + timedelta(hours=1), "delivered"),
        (MONDAY + timedelta(hours=23, minutes=59), "delivered"),
        (MONDAY + timedelta(hours=12), "failed"),
        # Tuesday has none; Wednesday one still on its way.
        (MONDAY + timedelta(days=2, hours=8), "sent"),
        # Outside the range on both sides.
        (MONDAY - timedelta(seconds=1), "delivered"),
        (MONDAY + timedelta(days=3), "delivered"),
    )
    await add_messages(dispatch, other_id, (MONDAY + timedelta(hours=2), "delivered"))

    answer = await stats(
        dispatch,
        token,
        **{"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=3)).isoformat()},
    )

    assert answer.status_code == 200, answer.text
    days = answer.json()["items"]
    assert [day["day"] for day in days] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert [day["total"] for day in days] == [3, 0, 1]
    monday = days[0]["counts"]
    assert (monday["delivered"], monday["failed"], monday["sent"]) == (2, 1, 0)
    assert days[2]["counts"]["sent"] == 1
    # Every status listed, zeros included: a chart needs no gaps filled.
    assert days[1]["counts"]["delivered"] == 0
    assert set(days[1]["counts"]) >= {"accepted", "queued", "undelivered", "rejected"}


async def test_days_are_utc_days_whatever_offset_the_range_is_given_in(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    # 23:30 UTC on Monday is already Tuesday in Moscow: it counts on Monday.
    await add_messages(dispatch, account_id, (MONDAY + timedelta(hours=23, minutes=30), "failed"))
    moscow = "+03:00"

    answer = await stats(
        dispatch,
        token,
        **{"from": f"2026-11-02T03:00:00{moscow}", "to": f"2026-11-03T03:00:00{moscow}"},
    )

    assert [(d["day"], d["total"]) for d in answer.json()["items"]] == [("2026-11-02", 1)]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-04-03T00:00:01Z"}, "range_too_long"),
        ({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "invalid_range"),
        ({"from": "2026-01-01T00:00:00", "to": "2026-01-02T00:00:00Z"}, "validation_error"),
        ({"group_by": "week"}, "validation_error"),
    ],
)
async def test_a_bad_range_is_refused_as_a_problem(
    dispatch: Dispatch, auth_service: AuthClient, params: dict[str, str], code: str
) -> None:
    _, token = await auth_service.new_account()

    answer = await stats(dispatch, token, **params)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code


async def test_92_days_is_allowed_and_the_default_is_the_last_30(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    quarter = await stats(
        dispatch, token, **{"from": "2026-01-01T00:00:00Z", "to": "2026-04-03T00:00:00Z"}
    )
    default = await stats(dispatch, token)

    assert quarter.status_code == 200
    assert len(quarter.json()["items"]) == 92
    assert len(default.json()["items"]) == 30
    assert default.json()["items"][-1]["day"] == datetime.now(UTC).date().isoformat()

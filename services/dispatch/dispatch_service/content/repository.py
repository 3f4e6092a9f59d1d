"""All of the content policy's SQL."""

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.content.models import ContentHit, ContentRule, ContentSuspension
from dispatch_service.content.policy import Hit, Rule
from shared.db import upsert_insert


async def enabled_rules(session: AsyncSession) -> list[Rule]:
    rows = await session.scalars(
        select(ContentRule).where(ContentRule.enabled).order_by(ContentRule.created_at)
    )
    return [
        Rule(row.id, row.category, row.kind, row.pattern, row.action)  # type: ignore[arg-type]
        for row in rows
    ]


async def suspended_accounts(session: AsyncSession) -> frozenset[UUID]:
    """The accounts the policy suspended and no operator has cleared yet: a few."""
    rows = await session.scalars(
        select(ContentSuspension.account_id).where(ContentSuspension.cleared_at.is_(None))
    )
    return frozenset(rows)


async def list_rules(session: AsyncSession) -> Sequence[ContentRule]:
    statement = select(ContentRule).order_by(ContentRule.category, ContentRule.created_at)
    return (await session.scalars(statement)).all()


async def get_rule(session: AsyncSession, rule_id: UUID) -> ContentRule | None:
    return await session.get(ContentRule, rule_id, with_for_update=True)


async def delete_rule(session: AsyncSession, rule: ContentRule) -> None:
    await session.execute(delete(ContentRule).where(ContentRule.id == rule.id))


async def add_hits(
    session: AsyncSession, account_id: UUID, hits: Sequence[Hit], at: datetime
) -> None:
    session.add_all(
        ContentHit(
            account_id=account_id,
            category=hit.rule.category,
            rule_id=hit.rule.id,
            action=hit.rule.action,
            at=at,
        )
        for hit in hits
    )
    await session.flush()


async def blocked_since(session: AsyncSession, account_id: UUID, since: datetime) -> int:
    statement = select(func.count()).where(
        ContentHit.account_id == account_id, ContentHit.at >= since, ContentHit.action == "block"
    )
    return int(await session.scalar(statement) or 0)


async def trip(session: AsyncSession, account_id: UUID, day: date, hits: int, at: datetime) -> bool:
    """Record the day's suspension; False if the account was already tripped that day."""
    statement = (
        upsert_insert(session, ContentSuspension.__table__)
        .values(account_id=account_id, day=day, hits=hits, tripped_at=at, cleared_at=None)
        .on_conflict_do_nothing(index_elements=["account_id", "day"])
        .returning(ContentSuspension.account_id)
    )
    return (await session.execute(statement)).first() is not None


async def clear(session: AsyncSession, account_id: UUID, at: datetime) -> None:
    await session.execute(
        update(ContentSuspension)
        .where(ContentSuspension.account_id == account_id, ContentSuspension.cleared_at.is_(None))
        .values(cleared_at=at)
    )


async def list_hits(
    session: AsyncSession, account_id: UUID | None, limit: int
) -> Sequence[ContentHit]:
    statement = select(ContentHit).order_by(ContentHit.at.desc(), ContentHit.id).limit(limit)
    if account_id is not None:
        statement = statement.where(ContentHit.account_id == account_id)
    return (await session.scalars(statement)).all()

"""All of the content policy's SQL."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.content.models import (
    ContentHit,
    ContentReview,
    ContentRule,
    ContentSuspension,
)
from dispatch_service.content.policy import Hit, Rule
from dispatch_service.messages.models import Message
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


async def clear(session: AsyncSession, account_id: UUID, at: datetime) -> bool:
    """Clear the account's suspensions; False if it had none to clear."""
    result = await session.execute(
        update(ContentSuspension)
        .where(ContentSuspension.account_id == account_id, ContentSuspension.cleared_at.is_(None))
        .values(cleared_at=at)
        .returning(ContentSuspension.account_id)
    )
    return result.first() is not None


async def list_hits(
    session: AsyncSession, account_id: UUID | None, limit: int
) -> Sequence[ContentHit]:
    statement = select(ContentHit).order_by(ContentHit.at.desc(), ContentHit.id).limit(limit)
    if account_id is not None:
        statement = statement.where(ContentHit.account_id == account_id)
    return (await session.scalars(statement)).all()


async def add_reviews(
    session: AsyncSession, account_id: UUID, held: Mapping[UUID, Sequence[Hit]], at: datetime
) -> None:
    session.add_all(
        ContentReview(
            message_id=message_id,
            account_id=account_id,
            domains=" ".join(dict.fromkeys(hit.matched for hit in hits)),
            created_at=at,
        )
        for message_id, hits in held.items()
    )
    await session.flush()


async def held_in_batch(session: AsyncSession, batch_id: UUID) -> dict[int, UUID]:
    """The batch's held messages by their position in the request."""
    rows = await session.execute(
        select(Message.batch_index, Message.id).where(
            Message.batch_id == batch_id, Message.status == "held"
        )
    )
    return {index: message_id for index, message_id in rows if index is not None}


async def pending_reviews(
    session: AsyncSession, account_id: UUID | None, limit: int
) -> Sequence[ContentReview]:
    statement = (
        select(ContentReview)
        .where(ContentReview.decided_at.is_(None))
        .order_by(ContentReview.created_at, ContentReview.message_id)
        .limit(limit)
    )
    if account_id is not None:
        statement = statement.where(ContentReview.account_id == account_id)
    return (await session.scalars(statement)).all()


async def get_review(session: AsyncSession, message_id: UUID) -> ContentReview | None:
    return await session.get(ContentReview, message_id, with_for_update=True)

"""What operators do with the content policy: its rules, the hits, and clearing an account
the policy suspended. Every change applies in this process from the next request on, and
in the others within `content_rules_refresh_seconds`."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.content import repository
from dispatch_service.content.models import ContentHit, ContentRule
from dispatch_service.content.policy import InvalidPattern, check_pattern
from dispatch_service.content.schemas import ContentRuleChange, NewContentRule
from dispatch_service.content.service import ContentGate
from shared.errors import NotFound, ProblemError
from shared.events import utcnow


class InvalidPatternProblem(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_pattern", "Invalid pattern", detail)


def _checked(kind: str, pattern: str) -> None:
    try:
        check_pattern(kind, pattern)  # type: ignore[arg-type]
    except InvalidPattern as exc:
        raise InvalidPatternProblem(str(exc)) from exc


async def list_rules(session: AsyncSession) -> Sequence[ContentRule]:
    return await repository.list_rules(session)


async def add_rule(session: AsyncSession, gate: ContentGate, new: NewContentRule) -> ContentRule:
    _checked(new.kind, new.pattern)
    now = utcnow()
    rule = ContentRule(**new.model_dump(), created_at=now, updated_at=now)
    session.add(rule)
    await session.flush()
    gate.reload_after_commit(session)
    return rule


async def change_rule(
    session: AsyncSession, gate: ContentGate, rule_id: UUID, change: ContentRuleChange
) -> ContentRule:
    rule = await _rule(session, rule_id)
    fields = change.model_dump(exclude_unset=True, exclude_none=True)
    _checked(fields.get("kind", rule.kind), fields.get("pattern", rule.pattern))
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.updated_at = utcnow()
    await session.flush()
    gate.reload_after_commit(session)
    return rule


async def delete_rule(session: AsyncSession, gate: ContentGate, rule_id: UUID) -> None:
    await repository.delete_rule(session, await _rule(session, rule_id))
    gate.reload_after_commit(session)


async def _rule(session: AsyncSession, rule_id: UUID) -> ContentRule:
    rule = await repository.get_rule(session, rule_id)
    if rule is None:
        raise NotFound("Content rule")
    return rule


async def list_hits(
    session: AsyncSession, account_id: UUID | None, limit: int
) -> Sequence[ContentHit]:
    return await repository.list_hits(session, account_id, limit)


async def clear(session: AsyncSession, gate: ContentGate, account_id: UUID) -> None:
    if not await repository.clear(session, account_id, utcnow()):
        raise NotFound("Suspension by the content policy")
    gate.reload_after_commit(session)

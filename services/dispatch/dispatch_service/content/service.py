"""The content policy at intake: the gate each dispatch process keeps.

The enabled rules, compiled (content.policy.Matcher), and the accounts the policy
suspended are loaded together at most every `content_rules_refresh_seconds`, so a clean
text costs no query; the process that changes either loads them again at once. A blocked
text is recorded in a transaction of its own, committed before the 422 rolls the request's
back: the hit stays on record while nothing of the message does.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts.service import AccountNotActive
from dispatch_service.config import DispatchSettings
from dispatch_service.content import repository
from dispatch_service.content.policy import Hit, Matcher, normalise
from dispatch_service.db import Outbox
from dispatch_service.reloading import Reloading
from shared.db import session_scope
from shared.errors import ProblemError, problem_response_doc
from shared.events import ContentPolicyTripped, utcnow
from shared.outbox import add_event
from shared.runtime import ServiceRuntime

SUSPENSION_REASON = "content policy review"


class ContentBlocked(ProblemError):
    def __init__(self, category: str, index: int | None) -> None:
        where = "" if index is None else f" (entry {index})"
        extra: dict[str, Any] = {"category": category}
        if index is not None:
            extra["index"] = index
        super().__init__(
            422,
            "content_blocked",
            "Content blocked",
            f"the text{where} is refused by the content policy ({category}); nothing was accepted",
            **extra,
        )


# For the `responses` of every operation that takes in messages: the usual 422 and this.
CONTENT_BLOCKED_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_response_doc(422),
        "description": f"{problem_response_doc(422)['description']}; or `content_blocked`: "
        "a text is refused by the content policy, `category` says which (spam, gambling, "
        "alcohol, tobacco, phishing, political), for a batch `index` says which entry; "
        "nothing was accepted",
    }
}


@dataclass(frozen=True)
class Loaded:
    matcher: Matcher
    suspended: frozenset[UUID]


async def _load(session: AsyncSession) -> Loaded:
    rules = await repository.enabled_rules(session)
    return Loaded(Matcher(rules), await repository.suspended_accounts(session))


class ContentGate:
    def __init__(self, runtime: ServiceRuntime, settings: DispatchSettings) -> None:
        self.runtime = runtime
        self.settings = settings
        self.loaded: Reloading[Loaded] = Reloading(_load, Loaded(Matcher(()), frozenset()))

    async def screen(
        self, session: AsyncSession, account_id: UUID, texts: Sequence[str], batch: bool = False
    ) -> dict[int, list[Hit]]:
        """Raise unless the account may send these texts: AccountNotActive while the policy
        has it suspended, ContentBlocked for the first text a blocking rule hits (its hit
        recorded). Returns, by position, the texts to hold for review (URL shorteners);
        pass them to `hold` once the messages are stored."""
        await self.loaded.refresh(session, self.settings.content_rules_refresh_seconds)
        loaded = self.loaded.value
        if account_id in loaded.suspended:
            raise AccountNotActive("suspended", SUSPENSION_REASON)
        reviews: dict[str, list[Hit]] = {}
        for index, text in enumerate(texts):
            # A batch often sends one text to many: each distinct text is checked once.
            if text in reviews:
                continue
            normalised = normalise(text)
            blocked = loaded.matcher.block(normalised)
            if blocked is not None:
                await self._record_block(account_id, blocked)
                raise ContentBlocked(blocked.rule.category, index if batch else None)
            reviews[text] = loaded.matcher.review(normalised)
        if not any(reviews.values()):
            return {}
        return {index: reviews[text] for index, text in enumerate(texts) if reviews[text]}

    async def hold(
        self, session: AsyncSession, account_id: UUID, held: Mapping[UUID, list[Hit]]
    ) -> None:
        """Put the messages just stored `held` up for review, in the request's transaction,
        and record their hits."""
        if not held:
            return
        now = utcnow()
        await repository.add_reviews(session, account_id, held, now)
        await repository.add_hits(
            session, account_id, [h for hits in held.values() for h in hits], now
        )

    async def hold_batch(
        self, session: AsyncSession, account_id: UUID, batch_id: UUID, held: dict[int, list[Hit]]
    ) -> None:
        """`hold` for a batch just stored: `held` by the entries' positions."""
        if not held:
            return
        stored = await repository.held_in_batch(session, batch_id)
        await self.hold(
            session, account_id, {stored[i]: hits for i, hits in held.items() if i in stored}
        )

    async def _record_block(self, account_id: UUID, hit: Hit) -> None:
        now = utcnow()
        day = now.date()
        tripped = False
        async for session in session_scope(self.runtime.sessionmaker, self.runtime.after_commit):
            await repository.add_hits(session, account_id, [hit], now)
            since = datetime.combine(day, time(), UTC)
            hits = await repository.blocked_since(session, account_id, since)
            if hits >= self.settings.content_hits_before_suspension:
                tripped = await repository.trip(session, account_id, day, hits, now)
            if tripped:
                add_event(
                    session, Outbox, ContentPolicyTripped(account_id=account_id, hits=hits, day=day)
                )
        if tripped:
            self.loaded.invalidate()  # refused from the next request on, in this process

    def reload_after_commit(self, session: AsyncSession) -> None:
        """The request's session changes rules or suspensions: once it commits, this
        process loads them again (before the commit, a load would still see the old)."""
        event.listen(session.sync_session, "after_commit", lambda _: self.loaded.invalidate())


async def _content_gate(request: Request) -> ContentGate:
    # One gate per app (so per process), loaded on first use.
    state = request.app.state
    gate: ContentGate | None = getattr(state, "content_gate", None)
    if gate is None:
        runtime = state.runtime
        assert isinstance(runtime.settings, DispatchSettings)
        gate = state.content_gate = ContentGate(runtime, runtime.settings)
    return gate


ContentGateDep = Annotated[ContentGate, Depends(_content_gate)]

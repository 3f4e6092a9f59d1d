"""Telling people: a mail per recipient, claimed first so nobody is told twice."""

from collections.abc import Callable, Sequence
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.mail.service import queue
from auth_service.notifications import mails, repository, unsubscribe
from auth_service.notifications.metrics import QUEUED
from auth_service.notifications.models import BreachNotice
from auth_service.notifications.repository import Recipient
from auth_service.notifications.schemas import AnnouncementIn, BreachNoticeIn
from shared.errors import ProblemError
from shared.events import utcnow
from shared.mail import Mail
from shared.metrics.staged import count_after_commit
from shared.security import Principal

# Article 33 GDPR: the supervisory authority within 72 hours of becoming aware; the
# customers (our controllers) are told without undue delay, which we hold to the same.
BREACH_DEADLINE = timedelta(hours=72)


async def notify(
    session: AsyncSession,
    key: UUID,
    kind: str,
    recipients: Sequence[Recipient],
    compose: Callable[[Recipient], Mail],
) -> int:
    """Queues a mail for each recipient not yet told about `key`; returns how many."""
    told = 0
    for recipient in recipients:
        mail_id = uuid4()
        if await repository.claim(session, key, recipient, kind, mail_id):
            queue(session, compose(recipient), mail_id)
            told += 1
    if told:
        # Once the transaction commits: a handler's batch retried must not count twice.
        count_after_commit(session, QUEUED.labels(kind=kind), told)
    return told


class UnknownAccounts(ProblemError):
    def __init__(self, missing: set[UUID]) -> None:
        super().__init__(
            422,
            "unknown_account",
            "Unknown account",
            "No account has these ids",
            account_ids=sorted(str(account_id) for account_id in missing),
        )


class InvalidDetectedAt(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invalid_detected_at",
            "Invalid detection time",
            "detected_at must be a time with an offset, not in the future",
        )


async def send_breach_notice(
    session: AsyncSession, operator: Principal, body: BreachNoticeIn
) -> tuple[BreachNotice, int]:
    """Records the notice and queues its mail to every affected account's owners, in one
    transaction: the notice exists exactly when its mails are on their way."""
    if body.detected_at.tzinfo is None or body.detected_at > utcnow():
        raise InvalidDetectedAt()
    account_ids = None if body.all else set(body.affected_account_ids or ())
    if account_ids is not None:
        missing = account_ids - await repository.existing_accounts(session, account_ids)
        if missing:
            raise UnknownAccounts(missing)
    notice = BreachNotice(
        id=uuid4(),
        description=body.description,
        detected_at=body.detected_at,
        deadline=body.detected_at + BREACH_DEADLINE,
        all_accounts=body.all,
        accounts=0,
        created_by=operator.subject,
        created_at=utcnow(),
    )
    recipients = await repository.recipients(session, account_ids, ("owner",))
    notice.accounts = len({recipient.account_id for recipient in recipients})
    session.add(notice)
    detected = f"{body.detected_at.astimezone(utcnow().tzinfo):%Y-%m-%d %H:%M}"
    told = await notify(
        session,
        notice.id,
        "breach_notice",
        recipients,
        lambda recipient: mails.breach_notice(recipient, body.description, detected),
    )
    return notice, told


async def announce(
    session: AsyncSession, body: AnnouncementIn, unsubscribe_url: str, secret: str
) -> tuple[UUID, int]:
    """Product news to every customer user; marketing news only to those who did not opt
    out, each with their own unsubscribe link."""
    key = uuid4()

    def compose(recipient: Recipient) -> Mail:
        link = None
        if body.marketing:
            token = unsubscribe.token_for(recipient.user_id, secret)
            link = unsubscribe_url.replace("{token}", token)
        return mails.announcement(recipient, body.subject, body.text, link)

    recipients = await repository.recipients(session, None, None, marketing=body.marketing)
    kind = "marketing" if body.marketing else "announcement"
    return key, await notify(session, key, kind, recipients, compose)

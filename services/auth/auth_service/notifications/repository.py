"""Every query of notifications: who is told, what was already told, preferences, notices."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.mail.models import OutgoingMail
from auth_service.notifications.models import BreachNotice, MailPreference, Notification
from shared.db import upsert_insert
from shared.events import utcnow


@dataclass(frozen=True)
class Recipient:
    user_id: UUID
    account_id: UUID
    email: str
    name: str | None
    company: str


async def recipients(
    session: AsyncSession,
    account_ids: Collection[UUID] | None,
    roles: Collection[str] | None,
    marketing: bool = False,
) -> Sequence[Recipient]:
    """The users of the accounts (every account when None) with one of `roles` (every role
    when None), of accounts not closed; with `marketing`, only those who did not opt out."""
    query = (
        select(User.id, User.account_id, User.email, User.name, Account.company_name)
        .join(Account, Account.id == User.account_id)
        .where(Account.state != "closed")
        .order_by(User.account_id, User.created_at)
    )
    if account_ids is not None:
        query = query.where(User.account_id.in_(list(account_ids)))
    if roles is not None:
        query = query.where(User.role.in_(list(roles)))
    else:
        # The platform's operators belong to no customer: never on a customer mailing.
        query = query.where(User.role != "ops")
    if marketing:
        query = query.outerjoin(MailPreference, MailPreference.user_id == User.id).where(
            or_(MailPreference.user_id.is_(None), MailPreference.marketing.is_(True))
        )
    rows = await session.execute(query)
    return [Recipient(*row) for row in rows]


async def claim(
    session: AsyncSession, key: UUID, recipient: Recipient, kind: str, mail_id: UUID
) -> bool:
    """Records that `recipient` is told about `key`; False when they already were."""
    table = Notification.__table__
    statement = (
        upsert_insert(session, table)
        .values(
            id=mail_id,
            key=key,
            user_id=recipient.user_id,
            account_id=recipient.account_id,
            kind=kind,
            mail_id=mail_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    return (await session.scalar(statement)) is not None


async def marketing_allowed(session: AsyncSession, user_id: UUID) -> bool:
    preference = await session.get(MailPreference, user_id)
    return preference is None or preference.marketing


async def set_marketing(session: AsyncSession, user_id: UUID, marketing: bool) -> None:
    table = MailPreference.__table__
    statement = upsert_insert(session, table).values(
        user_id=user_id, marketing=marketing, updated_at=utcnow()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.user_id],
            set_={"marketing": marketing, "updated_at": statement.excluded.updated_at},
        )
    )


async def user_exists(session: AsyncSession, user_id: UUID) -> bool:
    return await session.get(User, user_id) is not None


async def existing_accounts(session: AsyncSession, account_ids: Collection[UUID]) -> set[UUID]:
    found = await session.scalars(select(Account.id).where(Account.id.in_(list(account_ids))))
    return set(found)


@dataclass(frozen=True)
class NoticeProgress:
    notice: BreachNotice
    recipients: int
    sent: int


async def breach_notices(session: AsyncSession, limit: int) -> Sequence[NoticeProgress]:
    """Newest first, each with how many of its mails went out: a mail is out when it is
    marked sent, or gone (only sent mail is ever pruned)."""
    out = or_(OutgoingMail.id.is_(None), OutgoingMail.sent_at.is_not(None))
    counts = (
        select(
            Notification.key,
            func.count().label("recipients"),
            func.sum(case((out, 1), else_=0)).label("sent"),
        )
        .outerjoin(OutgoingMail, OutgoingMail.id == Notification.mail_id)
        .where(Notification.kind == "breach_notice")
        .group_by(Notification.key)
        .subquery()
    )
    rows = await session.execute(
        select(BreachNotice, counts.c.recipients, counts.c.sent)
        .outerjoin(counts, counts.c.key == BreachNotice.id)
        .order_by(BreachNotice.created_at.desc())
        .limit(limit)
    )
    return [
        NoticeProgress(notice, int(recipients or 0), int(sent or 0))
        for notice, recipients, sent in rows
    ]

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.verification.models import EmailVerificationToken


class VerificationTokens:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: EmailVerificationToken) -> None:
        self._session.add(token)
        await self._session.flush()

    async def take(self, token_hash: str, now: datetime) -> tuple[UUID, UUID] | None:
        """Deletes the token if it is unexpired; (account id, user id) if this call took
        it. One statement, so two uses of one link at once verify once."""
        row = (
            await self._session.execute(
                delete(EmailVerificationToken)
                .where(
                    EmailVerificationToken.token_hash == token_hash,
                    EmailVerificationToken.expires_at > now,
                )
                .returning(EmailVerificationToken.account_id, EmailVerificationToken.user_id)
            )
        ).one_or_none()
        return None if row is None else (row.account_id, row.user_id)

    async def last_sent_at(self, account_id: UUID) -> datetime | None:
        sent: datetime | None = await self._session.scalar(
            select(func.max(EmailVerificationToken.created_at)).where(
                EmailVerificationToken.account_id == account_id
            )
        )
        return sent

    async def delete_of(self, account_id: UUID) -> None:
        await self._session.execute(
            delete(EmailVerificationToken).where(EmailVerificationToken.account_id == account_id)
        )

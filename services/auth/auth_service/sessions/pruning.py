"""Keeps the session tables small: failed logins past the lockout window and refresh
tokens past their expiry are of no use to anyone."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.config import AuthSettings
from auth_service.sessions.service import prune
from shared.db import session_scope

log = logging.getLogger(__name__)


class SessionPruner:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: AuthSettings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings

    async def run_once(self) -> None:
        async for session in session_scope(self._sessionmaker):
            failures, tokens = await prune(session, self._settings)
        if failures or tokens:
            log.info("pruned %d old failed logins and %d expired refresh tokens", failures, tokens)

"""Refusals that must leave a trace: a failed login counts towards the lockout and a
replayed refresh token revokes its family, even though the request itself fails.

The kit's request session rolls back on any error; a route that can refuse this way takes
`RecordingSessionDep`, which commits what was recorded before the refusal goes out.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import session_scope
from shared.errors import ProblemError
from shared.runtime import ServiceRuntime


class RecordedRefusal(ProblemError):
    """A refusal whose changes to the database are kept."""


async def _recording_session(request: Request) -> AsyncIterator[AsyncSession]:
    runtime: ServiceRuntime = request.app.state.runtime
    refusal: RecordedRefusal | None = None
    async for session in session_scope(runtime.sessionmaker, runtime.after_commit):
        try:
            yield session
        except RecordedRefusal as exc:
            refusal = exc  # session_scope commits as the loop ends
    if refusal is not None:
        raise refusal


RecordingSessionDep = Annotated[AsyncSession, Depends(_recording_session, scope="function")]

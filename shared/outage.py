"""Is this failure the database being away, rather than this piece of work being bad?

Callers wait an outage out (the event or row is fine, the database will be back) instead of
counting it against the work and giving up on it. What the driver raises is what decides:
with asyncpg a refused connection is a plain ConnectionRefusedError, a restart or failover
arrives as AdminShutdownError / ConnectionDoesNotExistError / CannotConnectNowError, usually
wrapped in SQLAlchemy's DBAPIError, none of them an OperationalError.
"""

from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)

# SQLSTATEs that mean "no usable server right now", never "this statement is wrong".
_OUTAGE_SQLSTATE_CLASSES = ("08",)  # connection exception (08000, 08003, 08006, ...)
_OUTAGE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: fast/smart stop, or a failover terminating sessions
        "57P02",  # crash_shutdown: another backend crashed, the server restarts
        "57P03",  # cannot_connect_now: starting up, or a replica in recovery
        "53300",  # too_many_connections: a storm of reconnects after a restart
        "25006",  # read_only_sql_transaction: still talking to a demoted primary
    }
)


def is_database_outage(error: BaseException) -> bool:
    """True when `error`, or anything it wraps, says the database cannot be reached."""
    return any(_is_outage_itself(cause) for cause in _causes(error))


def _is_outage_itself(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    # OperationalError: SQLite's "database is locked"/"unable to open", psycopg's lost server.
    if isinstance(error, OperationalError | InterfaceError | DisconnectionError):
        return True
    # Refused, reset, unreachable, DNS gone during a failover, connect timeout (TimeoutError
    # is an OSError): the driver raises these unwrapped when it cannot even connect.
    if isinstance(error, OSError):
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in _OUTAGE_SQLSTATES or sqlstate.startswith(_OUTAGE_SQLSTATE_CLASSES)
    return False


def _causes(error: BaseException) -> list[BaseException]:
    """The error, the DBAPI error SQLAlchemy wraps (`orig`) and their explicit causes. The
    implicit context is followed only out of SQLAlchemy's own errors (a failed rollback after
    a lost connection): a handler's ValueError raised while handling some OSError of its own
    is the handler's failure, not an outage."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(seen) < 16:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        context = current.__context__ if isinstance(current, SQLAlchemyError) else None
        pending.extend(
            [orig if isinstance(orig, BaseException) else None, current.__cause__, context]
        )
    return seen

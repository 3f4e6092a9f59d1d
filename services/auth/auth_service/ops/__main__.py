"""`python -m auth_service.ops create-operator EMAIL`: the only way to make an operator;
`python -m auth_service.ops remove-operator EMAIL`: the way to end one's access.

Run from the repository root with the service's settings (AUTH_DATABASE_URL), like
`python -m auth_service.keys`. A new operator's password is read from standard input (one
line), so it never shows in the process list or the shell history.
"""

import argparse
import asyncio
import sys

from auth_service.accounts.passwords import Passwords, WeakPassword
from auth_service.config import AuthSettings
from auth_service.ops.service import EmailTaken, NotAnOperator, create_operator, remove_operator
from shared.db import create_engine, create_sessionmaker, session_scope


async def _create(settings: AuthSettings, email: str, password: str) -> str:
    engine = create_engine(settings.database_url)
    try:
        async for session in session_scope(create_sessionmaker(engine)):
            user = await create_operator(session, Passwords(1), email, password)
        return str(user.id)
    finally:
        await engine.dispose()


async def _remove(settings: AuthSettings, email: str) -> str:
    engine = create_engine(settings.database_url)
    try:
        async for session in session_scope(create_sessionmaker(engine)):
            user_id = await remove_operator(session, email)
        return str(user_id)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auth_service.ops")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-operator", help="a platform operator (role ops); the password on stdin"
    )
    create.add_argument("email")
    remove = commands.add_parser(
        "remove-operator", help="end an operator's access: no more logins or refreshes"
    )
    remove.add_argument("email")
    args = parser.parse_args(argv)
    if args.command == "remove-operator":
        try:
            user_id = asyncio.run(_remove(AuthSettings(), args.email))
        except NotAnOperator:
            sys.stderr.write(f"error: {args.email} is no operator\n")
            return 1
        sys.stdout.write(f"operator {args.email.lower()} removed: {user_id}\n")
        return 0
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user_id = asyncio.run(_create(AuthSettings(), args.email, password))
    except WeakPassword as exc:
        sys.stderr.write(f"error: {exc.detail}\n")
        return 1
    except EmailTaken:
        sys.stderr.write(f"error: {args.email} already has a user\n")
        return 1
    sys.stdout.write(f"operator {args.email.lower()} created: {user_id}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The body of every service's Alembic env.py: async engine, naming convention from the
service's metadata, type comparison on, URL from the service's own settings."""

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def run_migrations(target_metadata: MetaData, database_url: str) -> None:
    if context.is_offline_mode():
        context.configure(
            url=database_url,
            target_metadata=target_metadata,
            literal_binds=True,
            compare_type=True,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(target_metadata, database_url))


def _configure_and_run(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite can't ALTER most things; batch mode lets one migration serve both backends.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(target_metadata: MetaData, database_url: str) -> None:
    from shared.db import create_engine

    engine = (
        create_engine(database_url, poolclass=pool.NullPool)
        if database_url.startswith("sqlite")
        else create_async_engine(database_url, poolclass=pool.NullPool)
    )
    async with engine.connect() as connection:
        await connection.run_sync(_configure_and_run, target_metadata)
        await connection.commit()
    await engine.dispose()

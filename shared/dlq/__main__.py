"""python -m shared.dlq: inspect and re-drive dead letters and moved-aside outbox rows.

list          --topic dispatch.messages.dlq     every dead letter, pending or re-driven
redrive       --topic dispatch.messages.dlq     re-publish pending ones to their source
outbox-list   --database-url URL                outbox rows the broker refused for good
outbox-retry  --database-url URL [--id UUID]    put them back in line for the relay
"""

import argparse
import asyncio
import logging
import os
import sys
from uuid import UUID

from shared.dlq.listing import list_dead_letters
from shared.dlq.outbox_rows import list_moved_aside, retry
from shared.dlq.redrive import DEFAULT_GROUP, redrive


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.command == "list":
        letters = await list_dead_letters(args.bootstrap_servers, args.topic, args.group)
        for letter in letters:
            out.write(letter.line() + "\n")
        pending = sum(not letter.redriven for letter in letters)
        out.write(f"{len(letters)} dead letters, {pending} pending\n")
    elif args.command == "redrive":
        done = await redrive(args.bootstrap_servers, args.topic, args.group)
        for item in done:
            out.write(f"{item.dlq_partition}@{item.dlq_offset} -> {item.topic}\n")
        out.write(f"re-drove {len(done)} records\n")
    elif args.command == "outbox-list":
        rows = await list_moved_aside(args.database_url)
        for row in rows:
            out.write(row.line() + "\n")
        out.write(f"{len(rows)} outbox rows moved aside\n")
    else:
        count = await retry(args.database_url, args.id)
        out.write(f"{count} outbox rows back in line\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared.dlq",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("list", "list a dead-letter topic"),
        ("redrive", "re-publish pending dead letters to their source topic"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--topic", required=True, help="the dead-letter topic, <topic>.dlq")
        command.add_argument(
            "--bootstrap-servers",
            default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        )
        command.add_argument("--group", default=DEFAULT_GROUP, help="the re-drive group id")
    for name, help_text in (
        ("outbox-list", "list outbox rows moved aside"),
        ("outbox-retry", "put moved-aside outbox rows back in line"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--database-url", required=True, help="the service's database")
        if name == "outbox-retry":
            command.add_argument(
                "--id",
                type=UUID,
                action="append",
                default=[],
                help="only this event id (repeatable); default all",
            )
    return parser


if __name__ == "__main__":
    raise SystemExit(main())

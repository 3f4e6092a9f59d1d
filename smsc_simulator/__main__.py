"""CLI: python -m smsc_simulator --port 0 ... prints the bound address on one line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence

from .config import OUTCOMES, SimulatorConfig, parse_outcome
from .server import SmscSimulator


def _outcome_rule(value: str) -> tuple[str, str]:
    destination, sep, outcome = value.partition("=")
    if not sep or not destination:
        raise argparse.ArgumentTypeError(f"expected DEST=OUTCOME, got {value!r}")
    try:
        return destination, parse_outcome(outcome)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m smsc_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775, help="0 picks a free port")
    parser.add_argument("--system-id", default="smsgw")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--receipt-delay", type=float, default=0.2, help="seconds")
    parser.add_argument(
        "--outcome", type=parse_outcome, default="delivered", help="/".join(OUTCOMES)
    )
    parser.add_argument(
        "--outcome-for",
        type=_outcome_rule,
        action="append",
        default=[],
        metavar="DEST=OUTCOME",
        help="per-destination outcome, repeatable",
    )
    parser.add_argument("--receipt-before-response", action="store_true")
    parser.add_argument("--message-id-format", choices=["hex", "decimal"], default="hex")
    parser.add_argument("--receipt-id-format", choices=["same", "decimal"], default="same")
    parser.add_argument("--no-receipt-tlvs", action="store_true")
    parser.add_argument("--first-message-id", type=int, default=None)
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        system_id=args.system_id,
        password=args.password,
        receipt_delay=args.receipt_delay,
        default_outcome=args.outcome,
        outcome_by_destination=dict(args.outcome_for),
        receipt_before_response=args.receipt_before_response,
        message_id_format=args.message_id_format,
        receipt_id_format=args.receipt_id_format,
        receipt_tlvs=not args.no_receipt_tlvs,
        first_message_id=args.first_message_id,
    )


async def serve(config: SimulatorConfig) -> None:
    sim = SmscSimulator(config)
    await sim.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # The launcher (make dev, e2e tests) reads this exact line to learn the port.
    print(f"SMSC simulator listening on {config.host}:{sim.port}", flush=True)  # noqa: T201
    try:
        await stop.wait()
    finally:
        await sim.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(serve(config_from_args(args)))


if __name__ == "__main__":
    main()

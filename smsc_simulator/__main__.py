"""SMPP 3.4 SMSC simulator for development, tests and benchmarks.

    python -m smsc_simulator --port 0 [--control-port 0] [options]

Prints `SMSC simulator listening on HOST:PORT` once it accepts SMPP connections and, with
--control-port, then `SMSC simulator control on 127.0.0.1:PORT`.

--response-delay S answers each submit_sm S seconds after it arrived, whatever else is in
flight, as an SMSC with that latency would (one bind with a window of 10 and S = 0.05 can do
about 200 submit_sm/s); --receipt-delay counts from that answer, and an unbind is answered
after the submits before it.

Receipts are at-least-once: a deliver_sm is sent again until a deliver_sm_resp with status 0
answers it (after --receipt-ack-timeout without an answer, --receipt-retry-delay after an error
answer, or when its connection drops), at most --receipt-window unanswered per session; with
no receiver or transceiver of the same system_id bound, receipts are held and sent on the next
bind.

Control API (HTTP JSON on 127.0.0.1, --control-port):
  GET  /submits?since=K  every submit_sm received with index >= K: index, session, system_id,
                         source_addr, destination_addr, esm_class, data_coding,
                         registered_delivery, short_message_hex, message_id (null: none issued),
                         status (submit_sm_resp command_status; null: never answered),
                         received_at (epoch seconds), receipts_sent
  GET  /stats            submits, submits_accepted, submits_unanswered, responses_by_status
                         ({"0": n, "88": m}: decimal command_status -> count), receipts_sent
                         (deliver_sm written, copies and resends included), receipts_acked,
                         receipts_redelivered, receipts_nacked, receipts_pending (not yet
                         acknowledged), receipts_held (waiting for a bind or a silence's end),
                         sessions_bound, connections_open, connections_accepted,
                         connections_dropped (ended without unbind), drops_injected,
                         generic_nacks
  GET  /faults           the active fault state
  POST /faults           JSON, fields optional and combinable; answers the active fault state:
    {"drop_connections": true}     abort every ESME socket now, without unbind
    {"silence_seconds": N}         read PDUs but answer nothing (no resp, no receipt) for N s;
                                   submits then are recorded with status null, never answered
    {"error_status": 88, "error_share": 1.0, "error_seconds": N}
                                   answer that share of submit_sm with that status (no id, no
                                   receipt); without error_seconds until changed
    {"receipt_mode": "normal|before_response|late|twice", "late_delay": S,
     "receipt_mode_seconds": N}    receipt timing for the submits made in the next N s
                                   (absent: until changed)
    {"response_delay": S}          answer each submit_sm S seconds after it arrived (each on
                                   its own: a window of N gets N answers per S); until changed
    {"clear": true}                every fault off, start-up error/receipt modes included;
                                   response_delay back to --response-delay
  Invalid fields answer 422 {"error": ...} and change nothing.

Malformed input: an unknown command_id gets generic_nack ESME_RINVCMDID; a body that does not
fit its command's layout gets generic_nack ESME_RINVCMDLEN (ESME_RSYSERR if smpplib cannot
decode a TLV); a command_length below 16 or above 64 KiB gets generic_nack ESME_RINVCMDLEN
with sequence 0 and the connection is closed. No other session is affected.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence

from .config import OUTCOMES, RECEIPT_MODES, SimulatorConfig, parse_outcome
from .server import SmscSimulator


def _outcome_rule(value: str) -> tuple[str, str]:
    destination, sep, outcome = value.partition("=")
    if not sep or not destination:
        raise argparse.ArgumentTypeError(f"expected DEST=OUTCOME, got {value!r}")
    try:
        return destination, parse_outcome(outcome)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _status(value: str) -> int:
    try:
        status = int(value, 0)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a command status like 0x58, got {value!r}"
        ) from exc
    if not 0 <= status <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError(f"command status out of range: {value}")
    return status


def _share(value: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise argparse.ArgumentTypeError(f"share must be within [0, 1], got {value}")
    return share


def _seconds(value: str) -> float:
    seconds = float(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"seconds must not be negative, got {value}")
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m smsc_simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2775, help="0 picks a free port")
    parser.add_argument("--system-id", default="smsgw")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--receipt-delay", type=float, default=0.2, help="seconds")
    parser.add_argument(
        "--response-delay",
        type=_seconds,
        default=0.0,
        help="seconds from each submit_sm to its submit_sm_resp (SMSC latency); submits"
        " pipelined in a window wait concurrently, not one after another",
    )
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
    parser.add_argument(
        "--receipt-before-response", action="store_true", help="= --receipt-mode before_response"
    )
    parser.add_argument("--receipt-mode", choices=RECEIPT_MODES, default="normal")
    parser.add_argument(
        "--late-delay", type=float, default=60.0, help="seconds, for --receipt-mode late"
    )
    parser.add_argument(
        "--receipt-ack-timeout",
        type=float,
        default=10.0,
        help="seconds without deliver_sm_resp before a receipt is sent again",
    )
    parser.add_argument(
        "--receipt-retry-delay",
        type=float,
        default=1.0,
        help="seconds before resending a receipt answered with an error status",
    )
    parser.add_argument(
        "--receipt-window",
        type=int,
        default=64,
        help="receipts in flight (unanswered) per session at most",
    )
    parser.add_argument(
        "--error-status",
        type=_status,
        default=None,
        help="answer submit_sm with this command_status (e.g. 0x58 ESME_RTHROTTLED)",
    )
    parser.add_argument(
        "--error-share", type=_share, default=1.0, help="share of submits --error-status hits"
    )
    parser.add_argument("--message-id-format", choices=["hex", "decimal"], default="hex")
    parser.add_argument("--receipt-id-format", choices=["same", "decimal"], default="same")
    parser.add_argument("--no-receipt-tlvs", action="store_true")
    parser.add_argument("--first-message-id", type=int, default=None)
    parser.add_argument(
        "--control-port", type=int, default=None, help="serve the HTTP control API; 0 = free port"
    )
    parser.add_argument("--tls-cert", default=None, help="PEM certificate chain: serve TLS")
    parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", default=None, help="require client certificates")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        system_id=args.system_id,
        password=args.password,
        receipt_delay=args.receipt_delay,
        response_delay=args.response_delay,
        default_outcome=args.outcome,
        outcome_by_destination=dict(args.outcome_for),
        receipt_before_response=args.receipt_before_response,
        receipt_mode=args.receipt_mode,
        late_delay=args.late_delay,
        receipt_ack_timeout=args.receipt_ack_timeout,
        receipt_retry_delay=args.receipt_retry_delay,
        receipt_window=args.receipt_window,
        error_status=args.error_status,
        error_share=args.error_share,
        message_id_format=args.message_id_format,
        receipt_id_format=args.receipt_id_format,
        receipt_tlvs=not args.no_receipt_tlvs,
        first_message_id=args.first_message_id,
        control_port=args.control_port,
        tls_cert_file=args.tls_cert,
        tls_key_file=args.tls_key,
        tls_client_ca_file=args.tls_client_ca,
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
    if sim.control_port is not None:
        print(f"SMSC simulator control on 127.0.0.1:{sim.control_port}", flush=True)  # noqa: T201
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

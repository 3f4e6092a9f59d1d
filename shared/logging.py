"""One log format for every process (issue 13, item 3; R19).

Production logs are one JSON object per line, with the service, the request id of the HTTP
request being served (the gateway's `X-Request-Id`, carried to every service) and, when
tracing is on, the trace id. `LOG_FORMAT=text` (what `make dev` sets) keeps interleaved
output readable by eye instead.

Whatever the format, every line is masked: phone numbers keep their first three and last two
digits. Message texts are never passed to a logger in the first place; masking is the net
for the numbers that reach one through an exception or a library's message.
"""

import contextvars
import logging
import re
from types import TracebackType
from typing import Literal, TypeAlias

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from shared import tracing

LogFormat = Literal["json", "text"]
_ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
)

# The request a line was logged while serving; set by shared.observability's middleware.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# E.164 (`+` and 7-15 digits) or a bare run of 10-15 digits (SMPP addresses carry no `+`),
# not inside a longer word, UUID or number. A long numeric SMSC message id is masked too:
# telling it from a phone number is not worth being wrong about a person's number.
_PHONE = re.compile(r"(?<![\w+.-])(\+\d{7,15}|\d{10,15})(?![\w-])")


def _mask_one(match: re.Match[str]) -> str:
    number = match.group(0)
    keep_head = 4 if number.startswith("+") else 3
    return number[:keep_head] + "*" * (len(number) - keep_head - 2) + number[-2:]


def mask_phone_numbers(text: str) -> str:
    return _PHONE.sub(_mask_one, text)


class _MaskingFilter(logging.Filter):
    """Masks the message (after %-formatting) and stamps the request id; on the handler, so
    third-party loggers' lines are masked too."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_phone_numbers(record.getMessage())
        record.args = None
        record.request_id = request_id_var.get()
        if tracing.enabled():
            context = trace.get_current_span().get_span_context()
            if context.is_valid:
                # Hex, as tracing backends show them: a line's trace is one search away.
                record.trace_id = format(context.trace_id, "032x")
                record.span_id = format(context.span_id, "016x")
        return True


class _MaskedTracebacks(logging.Formatter):
    def formatException(self, ei: _ExcInfo) -> str:  # noqa: N802 - logging's name
        return mask_phone_numbers(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return mask_phone_numbers(super().formatStack(stack_info))


class _JsonFormatter(_MaskedTracebacks, JsonFormatter):
    pass


def configure_logging(service: str, level: str = "INFO", log_format: LogFormat = "json") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_MaskingFilter())
    if log_format == "json":
        handler.setFormatter(
            _JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                static_fields={"service": service},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(
            _MaskedTracebacks(f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s")
        )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # One line per proxied request or JWKS fetch drowns everything else out.
    logging.getLogger("httpx").setLevel(logging.WARNING)

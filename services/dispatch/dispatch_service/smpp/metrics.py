"""The connector's figures for Prometheus, per SMSC link and bind (a handful of each)."""

from prometheus_client import Counter, Gauge, Histogram

_LINK_BIND = ["link", "bind"]

BOUND = Gauge("smpp_bind_up", "1 while the bind is bound to the SMSC", _LINK_BIND)
IN_FLIGHT = Gauge(
    "smpp_window_in_flight", "submit_sm written and not yet answered (the window used)", _LINK_BIND
)
SUBMITTED = Counter("smpp_submit_sm_total", "submit_sm written", _LINK_BIND)
ANSWERED = Counter(
    "smpp_submit_sm_resp_total",
    "submit_sm answers by command_status (hex; `none` for no usable answer: timeout, "
    "dropped session, generic_nack without a status)",
    [*_LINK_BIND, "command_status"],
)
THROTTLED = Counter(
    "smpp_throttled_total",
    "submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL, each pausing the bind",
    _LINK_BIND,
)
RESPONSE_SECONDS = Histogram(
    "smpp_submit_sm_resp_duration_seconds",
    "From a submit_sm written to its answer",
    ["link"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ENQUIRE_LINK_SECONDS = Histogram(
    "smpp_enquire_link_duration_seconds",
    "enquire_link round trip",
    ["link"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0),
)


def command_status_label(status: int | None) -> str:
    return "none" if status is None else f"0x{status:08x}"

"""The webhook worker's figures for Prometheus."""

from prometheus_client import Counter, Histogram

ATTEMPTS = Counter(
    "webhook_attempts_total",
    "Delivery attempts by outcome: delivered (2xx), retrying (failed, another attempt is "
    "scheduled), dead (failed for good: retry period over, or the address is forbidden)",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "webhook_attempt_duration_seconds",
    "From a delivery's request sent to its answer read (or the failure)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

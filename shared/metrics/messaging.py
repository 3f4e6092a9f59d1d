"""Consumers, outbox and inbox: how far behind, how big, how slow."""

from prometheus_client import Counter, Gauge, Histogram

CONSUMED = Counter(
    "kafka_consumer_events_total",
    "Events a consumer group took from a topic, by outcome: handled, duplicate (already in "
    "the inbox), dead_lettered",
    ["consumer", "topic", "outcome"],
)
BATCH_RECORDS = Histogram(
    "kafka_consumer_batch_records",
    "Records per fetched batch",
    ["consumer"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
)
HANDLER_SECONDS = Histogram(
    "kafka_consumer_handler_duration_seconds",
    "Time a handler took for one run of consecutive events of one type in a batch",
    ["consumer", "topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
LAG = Gauge(
    "kafka_consumer_lag_records",
    "Records in a partition past the consumer's position, as of its last fetch",
    ["consumer", "topic", "partition"],
)

OUTBOX_PENDING = Gauge("outbox_pending_events", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox row (0: none)"
)
OUTBOX_FAILED = Gauge(
    "outbox_failed_events", "Outbox rows the broker refused for good, waiting for an operator"
)
OUTBOX_PUBLISHED = Counter("outbox_published_events_total", "Outbox rows published")
INBOX_ROWS = Gauge(
    "inbox_rows",
    "Event ids kept in the inbox to drop redeliveries (on PostgreSQL the planner's estimate, "
    "so that measuring never scans the table)",
)

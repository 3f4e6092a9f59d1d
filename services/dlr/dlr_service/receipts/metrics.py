"""Receipt matching's figures for Prometheus, counted when the transaction commits."""

from prometheus_client import Counter

RECEIPTS = Counter(
    "dlr_receipts_total",
    "Receipts recorded, by how they matched a part: matched, ambiguous, unidentified (no "
    "message id), unmatched (no part came within the pending window); `pending` counts "
    "those that had to wait for their part",
    ["outcome"],
)
REPORTED = Counter(
    "dlr_part_statuses_reported_total",
    "Statuses that matched receipts reported for parts (news only: a repeated receipt is "
    "not counted)",
    ["status"],
)

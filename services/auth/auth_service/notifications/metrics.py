"""Notifications by kind (docs/metrics.md); what becomes of their mail is the mail sender's
metrics (auth_service/mail/metrics.py)."""

from prometheus_client import Counter

# `kind`: welcome, account_suspended, account_blocked, balance_low, invoice_issued,
# sender_name_<decision>, webhook_endpoint_disabled, breach_notice, announcement, marketing.
QUEUED = Counter(
    "notifications_queued_total",
    "Notification mails queued, one per recipient, by what they tell",
    ["kind"],
)

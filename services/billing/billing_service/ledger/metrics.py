"""Billing's figures for Prometheus, counted when the charging transaction commits."""

from prometheus_client import Counter

DECLINED = Counter(
    "billing_charges_declined_total",
    "Messages whose charge was declined, by code (insufficient_funds, no_tariff)",
    ["code"],
)

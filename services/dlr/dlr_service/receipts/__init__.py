"""Delivery receipts: parsing, matching to submitted parts, and the status events."""

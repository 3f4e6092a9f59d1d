"""Billing's retention job (shared/retention.py's policy): the accepted-messages projection
and closed refund requests' bank details."""

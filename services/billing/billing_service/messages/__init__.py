"""Billing's projection of dispatch's accepted messages (issue 10, item 8): what the
reconciliation checks the charges against."""

"""Sender names an account may send with: requested by the customer, approved, rejected or
revoked by the platform's operators, and checked at intake (issue 8, item 1)."""

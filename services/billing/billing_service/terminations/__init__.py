"""Termination refunds (issue 10 item 7, R14): when an account closes, billing opens a
refund request for what is left of its balance; the customer gives bank details, operators
pay it within 10 business days, or reject it."""

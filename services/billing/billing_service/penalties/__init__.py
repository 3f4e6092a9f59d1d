"""Operators' penalties for violation cases (issue 10 item 7, R9/R14): a charge to revenue."""

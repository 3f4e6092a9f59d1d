"""What the account spent, by day, country or sender (issue 10 item 3, R13)."""

"""Retention of dispatch's messages (R18, shared/retention.py): 60 days after an account was
closed its message texts are redacted, 60 days later its messages go, with their parts and
status history. The account's state is the projection of auth's account.state_changed that
dispatch already keeps (dispatch_service/accounts)."""

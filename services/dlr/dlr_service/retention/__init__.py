"""Retention of dlr's data (R18, shared/retention.py): 60 days after an account was closed
the texts of its inbound SMS are redacted, 60 days later the messages go (with their parts
and the account's reply-ownership rows); webhook events with their deliveries and attempt
logs go 30 days after they happened. dlr learns of closures from auth's
account.state_changed, projected into its own `account_states`."""

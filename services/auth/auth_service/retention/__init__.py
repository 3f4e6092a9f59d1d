"""Retention of auth's data (R3, R5, R18; periods in shared/retention.py): the audit log
2 years, the activity log a month, and accounts nobody used for 3 years, closed after an
e-mail notice. Closing one publishes account.state_changed like an owner's close, so every
other service's clock for the account's data starts then."""

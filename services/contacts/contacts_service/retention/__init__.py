"""Retention of contacts' data (R18, shared/retention.py): import files 60 days after their
import, and everything an account kept here (contacts, consent records, groups, custom
fields, imports) 60 days after the account was closed. contacts learns of closures from
auth's account.state_changed, projected into its own `account_states`."""

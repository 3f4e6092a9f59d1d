"""Recipients' consent (R11): an append-only record of each grant and withdrawal, per
account, number and purpose; the latest one is the number's consent. Changes the account
records here, and opt-outs dlr reads from STOP replies, meet on `recipients.consent`."""

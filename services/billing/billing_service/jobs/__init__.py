"""Billing's scheduled work, run by the service itself: overdue postpaid invoices reported
(which suspends sending) and the monthly acts issued, with no CronJob for anyone to forget."""

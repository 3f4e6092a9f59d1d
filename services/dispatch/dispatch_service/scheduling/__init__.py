"""Scheduled messages (issue 8 item 5): held `scheduled` until their send_at, then accepted
and charged like any other; cancelable until then, costing nothing."""

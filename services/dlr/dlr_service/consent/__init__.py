"""Opt-out and opt-in keywords (STOP, START, ...) in inbound SMS, announced as consent changes
for dispatch and contacts to apply."""

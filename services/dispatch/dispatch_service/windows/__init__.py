"""Sending windows (issue 8 item 5): an account's marketing messages go only between its
window's hours in the recipient's time zone; one outside it waits `scheduled` until the
window opens."""

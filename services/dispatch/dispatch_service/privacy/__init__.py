"""Data-subject rights (R17, issue 11 item 5): dispatch's part of a privacy export, the
messages sent to a number (or all of an account's) with their parts, their status history
and the number's consent as dispatch enforces it."""

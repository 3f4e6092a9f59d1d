"""Account states as auth publishes them, and the intake check that refuses sending for
suspended, blocked and closed accounts."""

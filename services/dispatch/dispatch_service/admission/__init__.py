"""Admission control for intake: a process takes in at most so many messages at once and
refuses the rest fast (503 `overloaded`, Retry-After) instead of queueing them for seconds."""

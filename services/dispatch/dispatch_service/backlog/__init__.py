"""Backpressure on intake: refuse new work with 429 while too much is waiting to be sent."""

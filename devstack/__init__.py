"""Starts the platform's real parts as processes: broker, SMSC simulator, services, gateway.

Used by `make dev`, by the end-to-end test and by the benchmarks, so all three run the same
thing the same way.
"""
